//! AWS Signature Version 4 as S3 computes it (the canonical request, the string to sign, the
//! signing key), and the dates it deals in. Like `form` and `content`, it imports nothing else
//! of the fake: the S3 service (`s3`) decides what to accept.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The one algorithm SigV4 names.
pub(super) const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The payload hash of a request that does not sign its body.
pub(super) const UNSIGNED: &str = "UNSIGNED-PAYLOAD";

/// S3's URI encoding: every byte but `A-Z a-z 0-9 - . _ ~` as `%XX` (uppercase), and `/` too
/// unless `keep_slash` (a path).
pub(super) fn uri_encode(bytes: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `%XX` decoded (a malformed escape stays as it is); `+` stays a `+`, as in a path.
pub(super) fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// The canonical URI of a raw request path: S3 decodes it and encodes each segment again,
/// keeping `/` and not normalizing (`//` and `..` stay).
pub(super) fn canonical_uri(raw_path: &str) -> String {
    let path = if raw_path.is_empty() { "/" } else { raw_path };
    uri_encode(&percent_decode(path), true)
}

/// The canonical query string: every pair but `skip` (a presigned URL's `X-Amz-Signature`),
/// name and value encoded, sorted.
pub(super) fn canonical_query(pairs: &[(String, String)], skip: Option<&str>) -> String {
    let mut encoded: Vec<(String, String)> = pairs
        .iter()
        .filter(|(name, _)| Some(name.as_str()) != skip)
        .map(|(name, value)| (uri_encode(name.as_bytes(), false), uri_encode(value.as_bytes(), false)))
        .collect();
    encoded.sort();
    encoded.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("&")
}

/// A header's canonical value: trimmed, runs of spaces one space; several values joined by `,`.
pub(super) fn canonical_value<'a>(values: impl Iterator<Item = &'a [u8]>) -> String {
    values
        .map(|value| String::from_utf8_lossy(value).split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(",")
}

/// The canonical request: method, URI, query, the signed headers' `name:value` lines (each
/// followed by a newline), the signed header names, the payload hash.
pub(super) fn canonical_request(
    method: &str,
    uri: &str,
    query: &str,
    headers: &[(String, String)],
    payload: &str,
) -> String {
    let lines: String = headers.iter().map(|(name, value)| format!("{name}:{value}\n")).collect();
    let names = headers.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>().join(";");
    format!("{method}\n{uri}\n{query}\n{lines}\n{names}\n{payload}")
}

/// The string to sign for `scope` (`<date>/<region>/s3/aws4_request`).
pub(super) fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{amz_date}\n{scope}\n{}", sha256_hex(canonical_request.as_bytes()))
}

/// The signature: the signing key (an HMAC chain from `AWS4<secret>` through the date, region,
/// service and `aws4_request`) over the string to sign, in hex.
pub(super) fn signature(secret: &str, date: &str, region: &str, service: &str, string_to_sign: &str) -> String {
    let key = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let key = hmac(&key, region.as_bytes());
    let key = hmac(&key, service.as_bytes());
    let key = hmac(&key, b"aws4_request");
    hex(&hmac(&key, string_to_sign.as_bytes()))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

pub(super) fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether two signatures are equal, in time that does not depend on where they differ.
pub(super) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `YYYYMMDDTHHMMSSZ` as Unix seconds; `None` when it is not that.
pub(super) fn parse_amz_date(text: &str) -> Option<i64> {
    // jiff's `%Y` would also take a sign or fewer digits: S3 wants exactly these 16 bytes.
    let b = text.as_bytes();
    if b.len() != 16 || !b.iter().enumerate().all(|(i, c)| matches!(i, 8 | 15) || c.is_ascii_digit()) {
        return None;
    }
    let time = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", text).ok()?;
    Some(time.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp().as_second())
}

/// Unix seconds as S3 writes times in XML: `2024-05-01T12:00:00.000Z`.
pub(super) fn iso8601(unix: i64) -> String {
    let time = jiff::Timestamp::from_second(unix).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    time.strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn sign(request: &str) -> String {
        let to_sign = string_to_sign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request", request);
        signature(SECRET, "20130524", "us-east-1", "s3", &to_sign)
    }

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// AWS's documented example "GET Object" (header authentication).
    #[test]
    fn aws_example_get_object() {
        let h = headers(&[
            ("host", "examplebucket.s3.amazonaws.com"),
            ("range", "bytes=0-9"),
            ("x-amz-content-sha256", EMPTY),
            ("x-amz-date", "20130524T000000Z"),
        ]);
        let request = canonical_request("GET", &canonical_uri("/test.txt"), "", &h, EMPTY);
        let to_sign = string_to_sign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request", &request);
        assert!(to_sign.ends_with("7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"), "{request}");
        assert_eq!(sign(&request), "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    }

    /// AWS's documented example "GET Bucket (List Objects)": a query, sorted and encoded.
    #[test]
    fn aws_example_list_objects() {
        let h = headers(&[
            ("host", "examplebucket.s3.amazonaws.com"),
            ("x-amz-content-sha256", EMPTY),
            ("x-amz-date", "20130524T000000Z"),
        ]);
        let query = canonical_query(&[("prefix".into(), "J".into()), ("max-keys".into(), "2".into())], None);
        assert_eq!(query, "max-keys=2&prefix=J");
        let request = canonical_request("GET", &canonical_uri("/"), &query, &h, EMPTY);
        assert_eq!(sign(&request), "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
    }

    /// AWS's documented presigned URL example: the query holds the authentication.
    #[test]
    fn aws_example_presigned_url() {
        let pairs: Vec<(String, String)> = [
            ("X-Amz-Algorithm", ALGORITHM),
            ("X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"),
            ("X-Amz-Date", "20130524T000000Z"),
            ("X-Amz-Expires", "86400"),
            ("X-Amz-SignedHeaders", "host"),
            ("X-Amz-Signature", "ignored"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let query = canonical_query(&pairs, Some("X-Amz-Signature"));
        let h = headers(&[("host", "examplebucket.s3.amazonaws.com")]);
        let request = canonical_request("GET", &canonical_uri("/test.txt"), &query, &h, UNSIGNED);
        assert_eq!(sign(&request), "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    }

    #[test]
    fn paths_are_encoded_per_segment() {
        assert_eq!(canonical_uri("/test$file.text"), "/test%24file.text");
        assert_eq!(canonical_uri("/s3/mirror/images/a%20b/%E9%95%9C.qcow2"), "/s3/mirror/images/a%20b/%E9%95%9C.qcow2");
        assert_eq!(canonical_uri("/s3/mirror/images/a b/镜.qcow2"), "/s3/mirror/images/a%20b/%E9%95%9C.qcow2");
        assert_eq!(canonical_uri("/a+b//c"), "/a%2Bb//c");
        assert_eq!(
            canonical_query(&[("k".into(), "a/b c".into()), ("uploads".into(), String::new())], None),
            "k=a%2Fb%20c&uploads="
        );
        assert_eq!(canonical_value([&b"  a   b  "[..], b"c"].into_iter()), "a b,c");
    }

    #[test]
    fn dates() {
        assert_eq!(parse_amz_date("20130524T000000Z"), Some(1_369_353_600));
        assert_eq!(parse_amz_date("20240229T235959Z"), Some(1_709_251_199));
        for bad in
            ["20230229T000000Z", "20130524T240000Z", "2013-05-24T00:00:00Z", "20130524T000000", "2013052XT000000Z"]
        {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
        assert_eq!(iso8601(1_369_353_600), "2013-05-24T00:00:00.000Z");
        assert_eq!(iso8601(1_709_251_199), "2024-02-29T23:59:59.000Z");
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
