import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// The simulator's own certificate authority, made fresh at every start: a self-signed P-256
/// CA and a server certificate it issues for the bind host (its IP as an IP SAN, "localhost"
/// and 127.0.0.1 always included), so clients can speak https and wss to the venue and verify
/// it against the CA certificate alone.
struct SimCertificateAuthority: Sendable {
    /// The CA certificate, PEM.
    let caCertificatePEM: String
    /// The server certificate, PEM.
    let serverCertificatePEM: String
    /// The server certificate's private key, PEM (PKCS#8).
    let serverKeyPEM: String

    /// Why the certificates could not be made or written.
    struct Failure: Error, CustomStringConvertible {
        /// What went wrong.
        let description: String
    }

    /// Issues a CA and a server certificate valid from an hour ago for `days` days, naming
    /// `host` (an IPv4/IPv6 literal becomes an IP SAN, anything else a DNS SAN).
    init(host: String, days: Int = 30) throws(Failure) {
        let caKey = P256.Signing.PrivateKey()
        let serverKey = P256.Signing.PrivateKey()
        let now = Date()
        do {
            let caName = try DistinguishedName {
                OrganizationName("Tickwire")
                CommonName("Tickwire ExchangeSim CA")
            }
            let ca = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
                notValidBefore: now.addingTimeInterval(-3600),
                notValidAfter: now.addingTimeInterval(Double(days) * 86_400), issuer: caName, subject: caName,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                },
                issuerPrivateKey: .init(caKey))
            let serverName = try DistinguishedName {
                OrganizationName("Tickwire")
                CommonName(host)
            }
            let server = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(serverKey.publicKey),
                notValidBefore: now.addingTimeInterval(-3600),
                notValidAfter: now.addingTimeInterval(Double(days) * 86_400), issuer: caName, subject: serverName,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectAlternativeNames(Self.alternativeNames(host))
                },
                issuerPrivateKey: .init(caKey))
            caCertificatePEM = try ca.serializeAsPEM().pemString
            serverCertificatePEM = try server.serializeAsPEM().pemString
            serverKeyPEM = serverKey.pemRepresentation
        } catch {
            throw Failure(description: "cannot issue the simulator's certificates: \(error)")
        }
    }

    /// The subject alternative names for `host`: always `localhost` and 127.0.0.1, plus the
    /// host itself.
    static func alternativeNames(_ host: String) -> [GeneralName] {
        var names: [GeneralName] = [.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))]
        if let bytes = ipBytes(host) {
            if bytes != [127, 0, 0, 1] { names.append(.ipAddress(ASN1OctetString(contentBytes: bytes[...]))) }
        } else if host != "localhost" && !host.isEmpty {
            names.append(.dnsName(host))
        }
        return names
    }

    /// The 4 or 16 bytes of an IPv4 or IPv6 literal; nil for a name.
    static func ipBytes(_ host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    /// Writes the CA certificate to `path` (created or replaced, mode 0644).
    func writeCACertificate(to path: String) throws(Failure) {
        do {
            try Data(caCertificatePEM.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw Failure(description: "cannot write the CA certificate to \(path): \(error.localizedDescription)")
        }
    }

    /// A fresh path in the temporary directory for the CA certificate.
    static func temporaryCAPath() -> String {
        let name = "tickwire-sim-ca-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).pem"
        return (NSTemporaryDirectory() as NSString).appendingPathComponent(name)
    }

    /// A NIOSSL server configuration presenting the server certificate.
    func serverConfiguration() throws(Failure) -> TLSConfiguration {
        do {
            let certificate = try NIOSSLCertificate(bytes: Array(serverCertificatePEM.utf8), format: .pem)
            let key = try NIOSSLPrivateKey(bytes: Array(serverKeyPEM.utf8), format: .pem)
            return TLSConfiguration.makeServerConfiguration(
                certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
        } catch {
            throw Failure(description: "cannot load the simulator's certificate into TLS: \(error)")
        }
    }
}
