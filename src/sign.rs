//! The request signature (protocol.md §3).
//!
//! Sort the pairs by key (bytewise, so `Backends.10` comes before `Backends.2`), concatenate
//! `key + value` with no separator and no escaping, append the private key, and take the SHA-1
//! of the UTF-8 bytes as 40 lowercase hex digits. `Signature` itself is never signed.

use sha1::{Digest, Sha1};

/// The wire name of the signature pair.
pub const SIGNATURE: &str = "Signature";

/// Signs `pairs` (in any order) with `private_key`. A `Signature` pair among them is ignored.
///
/// ```
/// // Known-answer vector #2 of protocol.md.
/// let pairs = [("foo", "bar"), ("PublicKey", "my_public_key")];
/// assert_eq!(
///     ucloudstack::sign::signature(&pairs, "my_private_key"),
///     "d4411ab30953fb0bbcb1e7313081f05e4e91a394"
/// );
/// ```
pub fn signature<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)], private_key: &str) -> String {
    let mut sorted: Vec<(&str, &str)> =
        pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())).filter(|(k, _)| *k != SIGNATURE).collect();
    sorted.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()).then_with(|| a.1.cmp(b.1)));
    let mut hasher = Sha1::new();
    for (key, value) in sorted {
        hasher.update(key.as_bytes());
        hasher.update(value.as_bytes());
    }
    hasher.update(private_key.as_bytes());
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::signature;

    const PUBLIC: &str = "ucloudsomeone@example.com1296235120854146120";
    const PRIVATE: &str = "46f09bb9fab4f12dfc160dae12273d5332b5debe";

    fn host_params() -> Vec<(&'static str, &'static str)> {
        vec![
            ("Action", "CreateUHostInstance"),
            ("CPU", "2"),
            ("ChargeType", "Month"),
            ("DiskSpace", "10"),
            ("ImageId", "f43736e1-65a5-4bea-ad2e-8a46e18883c2"),
            ("LoginMode", "Password"),
            ("Memory", "2048"),
            ("Name", "Host01"),
            ("Password", "VUNsb3VkLmNu"),
            ("PublicKey", PUBLIC),
            ("Quantity", "1"),
            ("Region", "cn-bj2"),
            ("Zone", "cn-bj2-04"),
        ]
    }

    #[test]
    fn vector_1_without_public_key() {
        assert_eq!(signature(&[("foo", "bar")], "my_private_key"), "634edc1bb957c0d65e5ab5494cf3b7784fbc87af");
    }

    #[test]
    fn vector_2_with_public_key() {
        let pairs = [("foo", "bar"), ("PublicKey", "my_public_key")];
        assert_eq!(signature(&pairs, "my_private_key"), "d4411ab30953fb0bbcb1e7313081f05e4e91a394");
    }

    #[test]
    fn vector_3_standard_and_unordered() {
        let mut pairs = host_params();
        assert_eq!(signature(&pairs, PRIVATE), "4f9ef5df2abab2c6fccd1e9515cb7e2df8c6bb65");
        pairs.reverse();
        assert_eq!(signature(&pairs, PRIVATE), "4f9ef5df2abab2c6fccd1e9515cb7e2df8c6bb65");
    }

    #[test]
    fn vector_4_security_token() {
        let mut pairs = host_params();
        pairs.push(("SecurityToken", "some_stoken"));
        assert_eq!(signature(&pairs, PRIVATE), "170c480ad176a247b324eb92a2cfe536aacfbd04");
    }

    #[test]
    fn vector_5_long_array_sorts_bytewise() {
        let values = ["foo", "bar", "42"];
        let keys: Vec<String> = (0..12).map(|i| format!("Backends.{i}")).collect();
        let mut pairs: Vec<(&str, &str)> = vec![("Action", "AllocateBackendBatch"), ("PublicKey", PUBLIC)];
        pairs.extend(keys.iter().enumerate().map(|(i, k)| (k.as_str(), values[i % 3])));
        assert_eq!(signature(&pairs, PRIVATE), "6bc32642779f8cb0bb3d3f128b1c0688abf9a1a3");
    }

    #[test]
    fn vector_6_request_level() {
        let a = [
            ("Action", "foo"),
            ("Name", "foo"),
            ("ProjectId", "bar"),
            ("PublicKey", "foo"),
            ("Region", "cn-bj2"),
            ("SecurityToken", "42"),
            ("Zone", "cn-bj2-02"),
        ];
        assert_eq!(signature(&a, "bar"), "170de002e3ca3acdc3a790badc4d14b09d183e4b");
        let b = [("Name", "foo"), ("PublicKey", "foo"), ("SecurityToken", "42")];
        assert_eq!(signature(&b, "bar"), "012679c87951918e8e04de783a4a8ff981a61d5f");
        let c = [("PublicKey", "foo"), ("SecurityToken", "42")];
        assert_eq!(signature(&c, "bar"), "9d6d7cb14e8aeda887369ff22371788ae06c5ea4");
    }

    #[test]
    fn vector_8_describe_uhost() {
        let pairs = [("Action", "DescribeUHostInstance"), ("Limit", "10"), ("Region", "cn-bj2"), ("PublicKey", PUBLIC)];
        assert_eq!(signature(&pairs, PRIVATE), "cba5cf5ec4d4233d206b1b54951e3787350a642f");
    }

    #[test]
    fn ucloudstack_describe_image() {
        let pairs = [
            ("Action", "DescribeImage"),
            ("ImageIDs.0", "cn-image-centos-74"),
            ("ImageIDs.1", "cn-image-ubuntu-1604"),
            ("ImageType", "Base"),
            ("Limit", "20"),
            ("Offset", "0"),
            ("PublicKey", PUBLIC),
            ("Region", "cn"),
            ("Zone", "zone-01"),
        ];
        assert_eq!(signature(&pairs, PRIVATE), "71467c63ec4eb6c123efa777daa2b645dbd43b0b");
    }

    #[test]
    fn ucloudstack_create_custom_image() {
        let pairs = [
            ("Action", "CreateCustomImage"),
            ("ImageDescription", "test image"),
            ("ImageName", "my-image"),
            ("PublicKey", PUBLIC),
            ("Region", "cn"),
            ("VMID", "vm-xu-JozBZR"),
            ("Zone", "zone-01"),
        ];
        assert_eq!(signature(&pairs, PRIVATE), "10dbb0516001612ccc55ac3a78e5011ed5a0e62c");
    }

    #[test]
    fn ucloudstack_delete_custom_image() {
        let pairs = [
            ("Action", "DeleteCustomImage"),
            ("ImageID", "image-abc"),
            ("PublicKey", PUBLIC),
            ("Region", "cn"),
            ("Zone", "zone-01"),
        ];
        assert_eq!(signature(&pairs, PRIVATE), "3e488c8db0b17bf9cf18fb7884b3ff025f9bd475");
    }

    #[test]
    fn signature_pair_is_not_signed() {
        let with = [("foo", "bar"), ("Signature", "whatever")];
        assert_eq!(signature(&with, "my_private_key"), "634edc1bb957c0d65e5ab5494cf3b7784fbc87af");
    }
}
