/// Exact decimal-string parsing straight to a fixed-point mantissa, shared by `Price`,
/// `Quantity` and `Instrument`.
///
/// Grammar: an optional leading "-", then digits with at most one "."; at least one digit in
/// all (".5" and "5." are accepted). No "+", no whitespace, no exponent notation. Digits below
/// the target exponent must be zeros: they are never rounded away.
enum DecimalParser {
    /// What a syntactically valid input holds, before it is placed at an exponent.
    struct Scan {
        /// Whether the input starts with "-".
        var negative: Bool
        /// UTF-8 offsets of the integer digits.
        var integerDigits: Range<Int>
        /// UTF-8 offsets of the fraction digits (empty without a ".").
        var fractionDigits: Range<Int>
        /// The exponent of the last non-zero digit, nil when every digit is zero.
        var lastSignificant: Int?
    }

    /// Parses `input` to a mantissa at `exponent`.
    ///
    /// - Parameters:
    ///   - allowNegative: false for quantities: a leading "-" throws `.negative`.
    ///   - subject: what the input is, for messages ("price", "BTCUSDT quantity").
    static func mantissa(
        _ input: String, exponent: Int8, allowNegative: Bool, subject: String
    ) throws(DecimalParseError) -> Int64 {
        try FixedPoint.checkExponent(Int(exponent), subject: subject)
        var text = input
        let result = text.withUTF8 { bytes -> Result<Int64, DecimalParseError> in
            do throws(DecimalParseError) {
                let scan = try self.scan(bytes, input: input, subject: subject)
                if scan.negative && !allowNegative { throw .negative(input: input, subject: subject) }
                return .success(try place(scan, bytes, at: Int(exponent), input: input, subject: subject))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Parses `input` at the exponent of its own last significant digit (tick "0.01000000" → −2,
    /// "10" → 1). Zero has no such digit and lands at exponent 0.
    static func natural(
        _ input: String, allowNegative: Bool, subject: String
    ) throws(DecimalParseError) -> (mantissa: Int64, exponent: Int8) {
        var text = input
        let result = text.withUTF8 { bytes -> Result<(Int64, Int8), DecimalParseError> in
            do throws(DecimalParseError) {
                let scan = try self.scan(bytes, input: input, subject: subject)
                if scan.negative && !allowNegative { throw .negative(input: input, subject: subject) }
                let exponent = scan.lastSignificant ?? 0
                try FixedPoint.checkExponent(exponent, subject: subject)
                let mantissa = try place(scan, bytes, at: exponent, input: input, subject: subject)
                return .success((mantissa, Int8(exponent)))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Checks the syntax and finds the digit runs and the last significant digit.
    static func scan(
        _ bytes: UnsafeBufferPointer<UInt8>, input: String, subject: String
    ) throws(DecimalParseError) -> Scan {
        guard !bytes.isEmpty else { throw .empty(subject: subject) }
        let negative = bytes[0] == UInt8(ascii: "-")
        var dot: Int?
        var digitCount = 0
        for offset in (negative ? 1 : 0)..<bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digitCount += 1
            case UInt8(ascii: "."):
                guard dot == nil else { throw .multipleDecimalPoints(input: input, subject: subject) }
                dot = offset
            case UInt8(ascii: "-"), UInt8(ascii: "+"):
                throw .misplacedSign(input: input, offset: characterOffset(input, offset), subject: subject)
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                guard digitCount == 0 else { throw .exponentNotation(input: input, subject: subject) }
                throw unexpected(input, offset, subject: subject)
            default:
                throw unexpected(input, offset, subject: subject)
            }
        }
        guard digitCount > 0 else { throw .noDigits(input: input, subject: subject) }
        let integerDigits = (negative ? 1 : 0)..<(dot ?? bytes.count)
        let fractionDigits = dot.map { ($0 + 1)..<bytes.count } ?? bytes.count..<bytes.count
        var lastSignificant: Int?
        if let last = fractionDigits.last(where: { bytes[$0] != UInt8(ascii: "0") }) {
            lastSignificant = fractionDigits.lowerBound - last - 1
        } else if let last = integerDigits.last(where: { bytes[$0] != UInt8(ascii: "0") }) {
            lastSignificant = integerDigits.upperBound - 1 - last
        }
        return Scan(
            negative: negative, integerDigits: integerDigits, fractionDigits: fractionDigits,
            lastSignificant: lastSignificant)
    }

    /// Builds the mantissa at `exponent` from a scanned input, or throws `.tooPrecise` /
    /// `.overflow`. Accumulates the magnitude in `UInt64`, so Int64.min parses without negation.
    static func place(
        _ scan: Scan, _ bytes: UnsafeBufferPointer<UInt8>, at exponent: Int, input: String, subject: String
    ) throws(DecimalParseError) -> Int64 {
        if let last = scan.lastSignificant, last < exponent {
            throw .tooPrecise(input: input, decimals: -last, allowed: -exponent, subject: subject)
        }
        let overflow = DecimalParseError.overflow(input: input, exponent: Int8(exponent), subject: subject)
        var magnitude: UInt64 = 0
        // Every digit at or above the exponent; the ones below are zeros (checked above).
        var position = scan.integerDigits.count - 1
        let dot = scan.integerDigits.upperBound  // Past the end when there is no ".".
        for offset in scan.integerDigits.lowerBound..<scan.fractionDigits.upperBound where offset != dot {
            if position < exponent { break }
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(bytes[offset] &- UInt8(ascii: "0")))
            if o1 || o2 { throw overflow }
            magnitude = sum
            position -= 1
        }
        // Pad with zeros down to the exponent when the input has fewer decimals.
        let lowestWritten = -scan.fractionDigits.count
        if lowestWritten > exponent {
            let (padded, o) = magnitude.multipliedReportingOverflow(by: FixedPoint.pow10(lowestWritten - exponent))
            if o { throw overflow }
            magnitude = padded
        }
        if scan.negative {
            guard magnitude <= Int64.min.magnitude else { throw overflow }
            return Int64(truncatingIfNeeded: 0 &- magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw overflow }
        return Int64(magnitude)
    }

    /// The error for an unexpected byte: `.whitespace` or `.invalidCharacter`, naming the character.
    static func unexpected(_ input: String, _ utf8Offset: Int, subject: String) -> DecimalParseError {
        let (character, offset) = character(input, utf8Offset)
        if character.isWhitespace { return .whitespace(input: input, offset: offset, subject: subject) }
        return .invalidCharacter(input: input, character: character, offset: offset, subject: subject)
    }

    /// The character holding the UTF-8 byte at `utf8Offset`, and its offset in characters.
    static func character(_ input: String, _ utf8Offset: Int) -> (Character, Int) {
        var index = input.startIndex
        var offset = 0
        while index < input.endIndex {
            let next = input.index(after: index)
            if input.utf8.distance(from: input.utf8.startIndex, to: next) > utf8Offset {
                return (input[index], offset)
            }
            index = next
            offset += 1
        }
        return (" ", offset)  // Not reached: the byte is inside the string.
    }

    /// The offset in characters of the character holding the UTF-8 byte at `utf8Offset`.
    static func characterOffset(_ input: String, _ utf8Offset: Int) -> Int { character(input, utf8Offset).1 }
}
