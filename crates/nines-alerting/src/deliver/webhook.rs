//! The webhook: the [`Notification`] JSON as is (versioned by its `version` field), signed
//! with `X-Nines-Signature: sha256=<hex of HMAC-SHA256(secret, body)>` when the target
//! has a secret, with the target's own headers.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::notification::Notification;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Nines-Signature";

/// The body: the notification's JSON.
pub fn body(notification: &Notification) -> Vec<u8> {
    serde_json::to_vec(notification).unwrap_or_default()
}

/// `sha256=<lowercase hex>` of the HMAC-SHA256 of `body` under `secret`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes keys of any length: `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(7 + digest.len() * 2);
    out.push_str("sha256=");
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    #[test]
    fn signature_matches_rfc_4231() {
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
