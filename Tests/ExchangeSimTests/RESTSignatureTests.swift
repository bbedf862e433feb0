import ExchangeSim
import Testing

/// The SIGNED-request rules, without HTTP: the docs' HMAC vectors and each rejection's code.
@Suite struct RESTSignatureTests {
    static let docsSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
    static let docsPayload =
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"

    @Test func knownAnswerVector() {
        #expect(
            RequestAuthenticator.signature(of: Self.docsPayload, secret: Self.docsSecret)
                == "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71")
    }

    @Test func payloadIsQueryFollowedDirectlyByBodyWithoutTheSignature() {
        let parameters = RequestParameters(
            query: "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
            body: "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=abc")
        #expect(
            parameters.signaturePayload
                == "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
                + "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559")
        #expect(
            RequestAuthenticator.signature(of: parameters.signaturePayload, secret: Self.docsSecret)
                == "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77")
        #expect(parameters["price"] == "0.1")
        #expect(parameters["signature"] == "abc")
    }

    @Test func percentEncodedValuesAreDecodedButSignedAsSent() {
        let parameters = RequestParameters(query: "newClientOrderId=a%2Db+c&signature=x", body: "")
        #expect(parameters["newClientOrderId"] == "a-b c")
        #expect(parameters.signaturePayload == "newClientOrderId=a%2Db+c")
    }

    /// An authenticator for the docs' key and a request signed over `payload` (or with `signature`).
    private func check(
        _ payload: String, signature: String? = nil, apiKey: String? = "docs-key", now: Int64 = 1_499_827_319_559
    ) -> Int? {
        let authenticator = RequestAuthenticator(credentials: [
            APICredential(apiKey: "docs-key", apiSecret: Self.docsSecret, account: "docs")
        ])
        let mac = signature ?? RequestAuthenticator.signature(of: payload, secret: Self.docsSecret)
        let parameters = RequestParameters(query: payload + "&signature=" + mac, body: "")
        do throws(RESTError) {
            let credential = try authenticator.authenticate(apiKey: apiKey, parameters: parameters, now: now)
            #expect(credential.account == "docs")
            return nil
        } catch {
            return error.code
        }
    }

    @Test func acceptsTheDocsRequestAtItsOwnTime() {
        #expect(check(Self.docsPayload) == nil)
    }

    @Test func refusesMissingAndUnknownKeys() {
        #expect(check(Self.docsPayload, apiKey: nil) == -2014)
        #expect(check(Self.docsPayload, apiKey: "someone-else") == -2015)
    }

    @Test func refusesAWrongSignature() {
        #expect(check(Self.docsPayload, signature: String(repeating: "0", count: 64)) == -1022)
        #expect(check(Self.docsPayload + "&extra=1", signature: RequestAuthenticator.signature(
            of: Self.docsPayload, secret: Self.docsSecret)) == -1022)
    }

    @Test func refusesTimestampsOutsideTheWindow() {
        let t: Int64 = 1_499_827_319_559
        #expect(check(Self.docsPayload, now: t + 5000) == nil)
        #expect(check(Self.docsPayload, now: t + 5001) == -1021)
        #expect(check(Self.docsPayload, now: t - 999) == nil)
        #expect(check(Self.docsPayload, now: t - 1000) == -1021)
        #expect(check("symbol=X&recvWindow=60000&timestamp=\(t)", now: t + 60_000) == nil)
        #expect(check("symbol=X&recvWindow=60001&timestamp=\(t)", now: t) == -1131)
    }

    @Test func refusesAMissingTimestamp() {
        #expect(check("symbol=LTCBTC&recvWindow=5000") == -1102)
        #expect(check("symbol=LTCBTC&timestamp=soon") == -1102)
    }
}
