import Account
import GRDB
