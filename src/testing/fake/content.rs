//! The bytes the fake deals in: the deterministic content of an image file, SHA-1 in hex,
//! base64, and MinIO's upload ids. Like `form`, it imports nothing else of the fake.

use sha1::{Digest, Sha1};

/// How the content of `image_id`'s file is seeded: FNV-1a of the id.
pub(super) fn seed(image_id: &str) -> u64 {
    image_id.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Fills `buf` with the file's bytes from `offset` on. Every byte is a function of the seed and
/// its offset alone, so a range reads the same as that part of the whole file.
pub(super) fn fill(seed: u64, offset: u64, buf: &mut [u8]) {
    let mut at = offset;
    let mut done = 0;
    while done < buf.len() {
        let word = splitmix(seed ^ (at / 8).wrapping_mul(0x9e37_79b9_7f4a_7c15)).to_le_bytes();
        let start = (at % 8) as usize;
        let n = (8 - start).min(buf.len() - done);
        buf[done..done + n].copy_from_slice(&word[start..start + n]);
        done += n;
        at += n as u64;
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// SHA-1 of `parts`, in lowercase hex.
pub(super) fn sha1_hex(parts: &[&[u8]]) -> String {
    let mut hasher = Sha1::new();
    for part in parts {
        hasher.update(part);
    }
    hex(&hasher.finalize())
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 with the URL-safe alphabet and no padding, as MinIO writes its upload ids.
pub(super) fn base64_url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            let c = ALPHABET[((n >> (18 - 6 * i)) & 63) as usize];
            out.push(match c {
                b'+' => '-',
                b'/' => '_',
                c => c as char,
            });
        }
    }
    out
}

/// An upload id as MinIO writes them: base64 of `<deployment uuid>.<upload uuid>x<nanoseconds>`.
pub(super) fn minio_upload_id() -> String {
    let uuid = || {
        let hex = format!("{:032x}", fastrand::u128(..));
        format!("{}-{}-4{}-a{}-{}", &hex[..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..])
    };
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    base64_url(format!("{}.{}x{nanos}", uuid(), uuid()).as_bytes())
}

/// The MD5 of `size` zero bytes.
pub(super) fn md5_of_zeros(size: u64) -> [u8; 16] {
    use md5::{Digest, Md5};
    let zeros = [0u8; 64 * 1024];
    let mut md5 = Md5::new();
    let mut left = size;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        md5.update(&zeros[..n]);
        left -= n as u64;
    }
    md5.finalize().into()
}

/// Decodes base64 in either alphabet, padded or not; `None` when it is no base64.
pub(super) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A lone sixth of a byte is no base64.
    (bits < 6).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_reads_as_that_part_of_the_whole() {
        let seed = seed("cn-image-custom-000001");
        let mut whole = vec![0; 1000];
        fill(seed, 0, &mut whole);
        let mut part = vec![0; 101];
        fill(seed, 333, &mut part);
        assert_eq!(part, whole[333..434]);
        assert_ne!(whole[..8], whole[8..16]);
    }

    #[test]
    fn base64_round_trips() {
        for text in ["", "f", "fo", "foo", "foob", "fooba", "foobar", "环境"] {
            assert_eq!(base64_decode(&base64_url(text.as_bytes())).unwrap(), text.as_bytes());
        }
        assert_eq!(base64_url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_decode("ZW52").unwrap(), b"env");
        assert_eq!(base64_decode("Zm8=").unwrap(), b"fo");
        assert_eq!(base64_decode("a"), None);
        assert_eq!(base64_decode("a b"), None);
    }
}
