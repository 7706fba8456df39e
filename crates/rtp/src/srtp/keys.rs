//! SRTP key material: master key and salt, the RFC 3711 §4.3 key derivation (AES-CM PRF, key
//! derivation rate 0), and the per-packet AES-CM keystream (§4.1.1), on RustCrypto's `aes` and
//! `ctr` (no hand-written AES) with HMAC-SHA1 from `hmac` + `sha1`.

use aes::cipher::{InnerIvInit, KeyInit, KeyIvInit, StreamCipher, StreamCipherCoreWrapper};
use aes::Aes128;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Master key length (AES-128).
pub const MASTER_KEY_LEN: usize = 16;
/// Master salt length.
pub const MASTER_SALT_LEN: usize = 14;
/// Authentication tag length of AES_CM_128_HMAC_SHA1_80.
pub const TAG_LEN: usize = 10;
/// Session authentication key length.
const AUTH_KEY_LEN: usize = 20;

type Ctr = ctr::Ctr128BE<Aes128>;

/// A master key and salt (from SDES).
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey {
    /// The 128-bit master key.
    pub key: [u8; MASTER_KEY_LEN],
    /// The 112-bit master salt.
    pub salt: [u8; MASTER_SALT_LEN],
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// Splits 30 bytes of key ‖ salt.
    pub fn from_bytes(bytes: &[u8; MASTER_KEY_LEN + MASTER_SALT_LEN]) -> MasterKey {
        let mut key = [0; MASTER_KEY_LEN];
        let mut salt = [0; MASTER_SALT_LEN];
        key.copy_from_slice(&bytes[..MASTER_KEY_LEN]);
        salt.copy_from_slice(&bytes[MASTER_KEY_LEN..]);
        MasterKey { key, salt }
    }

    /// Key ‖ salt.
    pub fn to_bytes(&self) -> [u8; MASTER_KEY_LEN + MASTER_SALT_LEN] {
        let mut out = [0; MASTER_KEY_LEN + MASTER_SALT_LEN];
        out[..MASTER_KEY_LEN].copy_from_slice(&self.key);
        out[MASTER_KEY_LEN..].copy_from_slice(&self.salt);
        out
    }

    /// `n` bytes of the AES-CM PRF for `label` (index 0: key derivation rate 0).
    fn derive(&self, label: u8, out: &mut [u8]) {
        let mut iv = [0u8; 16];
        iv[..MASTER_SALT_LEN].copy_from_slice(&self.salt);
        iv[7] ^= label;
        out.fill(0);
        let mut ctr = Ctr::new(&self.key.into(), &iv.into());
        ctr.apply_keystream(out);
    }
}

/// Labels of RFC 3711 §4.3.1/§4.3.2.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    Rtp,
    Rtcp,
}

/// The session keys of one direction of RTP or RTCP.
#[derive(Clone)]
pub(crate) struct SessionKeys {
    cipher: Aes128,
    salt: [u8; MASTER_SALT_LEN],
    mac: Hmac<Sha1>,
}

impl SessionKeys {
    /// Derives the encryption key, salt and authentication key (§4.3).
    pub(crate) fn derive(master: &MasterKey, stream: Stream) -> SessionKeys {
        let base = match stream {
            Stream::Rtp => 0,
            Stream::Rtcp => 3,
        };
        let mut key = [0u8; 16];
        let mut auth = [0u8; AUTH_KEY_LEN];
        let mut salt = [0u8; MASTER_SALT_LEN];
        master.derive(base, &mut key);
        master.derive(base + 1, &mut auth);
        master.derive(base + 2, &mut salt);
        SessionKeys {
            cipher: Aes128::new(&key.into()),
            salt,
            // HMAC takes keys of any length: this cannot fail.
            mac: <Hmac<Sha1> as KeyInit>::new_from_slice(&auth)
                .unwrap_or_else(|_| <Hmac<Sha1> as KeyInit>::new(&Default::default())),
        }
    }

    /// XORs `data` with the AES-CM keystream for (`ssrc`, `index`) (§4.1.1: IV = salt·2^16 ⊕
    /// SSRC·2^64 ⊕ index·2^16).
    pub(crate) fn apply_keystream(&self, ssrc: u32, index: u64, data: &mut [u8]) {
        let mut iv = [0u8; 16];
        iv[..MASTER_SALT_LEN].copy_from_slice(&self.salt);
        for (b, s) in iv[4..8].iter_mut().zip(ssrc.to_be_bytes()) {
            *b ^= s;
        }
        for (b, s) in iv[8..14].iter_mut().zip(&index.to_be_bytes()[2..]) {
            *b ^= s;
        }
        let core = ctr::CtrCore::inner_iv_init(self.cipher.clone(), &iv.into());
        let mut ctr: Ctr = StreamCipherCoreWrapper::from_core(core);
        ctr.apply_keystream(data);
    }

    /// The 80-bit tag of `parts` (HMAC-SHA1 truncated).
    pub(crate) fn tag(&self, parts: &[&[u8]]) -> [u8; TAG_LEN] {
        let mut mac = self.mac.clone();
        for part in parts {
            mac.update(part);
        }
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&full[..TAG_LEN]);
        tag
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 3711 Appendix B.3.
    fn b3_master() -> MasterKey {
        let mut bytes = [0u8; 30];
        bytes[..16].copy_from_slice(&hex("E1F97A0D3E018BE0D64FA32C06DE4139"));
        bytes[16..].copy_from_slice(&hex("0EC675AD498AFEEBB6960B3AABE6"));
        MasterKey::from_bytes(&bytes)
    }

    #[test]
    fn key_derivation_matches_rfc_3711_appendix_b3() {
        let master = b3_master();
        let mut key = [0u8; 16];
        master.derive(0, &mut key);
        assert_eq!(key.to_vec(), hex("C61E7A93744F39EE10734AFE3FF7A087"));
        let mut salt = [0u8; 14];
        master.derive(2, &mut salt);
        assert_eq!(salt.to_vec(), hex("30CBBC08863D8C85D49DB34A9AE1"));
        let mut auth = [0u8; 20];
        master.derive(1, &mut auth);
        assert_eq!(
            auth.to_vec(),
            hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4")
        );
    }

    #[test]
    fn the_keystream_matches_rfc_3711_appendix_b2() {
        // B.2: session key 2B7E1516..., salt F0F1...FD, SSRC 0, index 0.
        let keys = SessionKeys {
            cipher: Aes128::new_from_slice(&hex("2B7E151628AED2A6ABF7158809CF4F3C")).unwrap(),
            salt: hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD").try_into().unwrap(),
            mac: <Hmac<Sha1> as KeyInit>::new_from_slice(&[0; 20]).unwrap(),
        };
        let mut stream = [0u8; 48];
        keys.apply_keystream(0, 0, &mut stream);
        let expected = hex(concat!(
            "E03EAD0935C95E80E166B16DD92B4EB4",
            "D23513162B02D0F72A43A2FE4A5F97AB",
            "41E95B3BB0A2E8DD477901E4FCA894C0"
        ));
        assert_eq!(stream.to_vec(), expected);
    }

    #[test]
    fn master_keys_do_not_print() {
        assert_eq!(format!("{:?}", b3_master()), "MasterKey(..)");
        assert_eq!(MasterKey::from_bytes(&b3_master().to_bytes()), b3_master());
    }
}
