//! A customer's member code: what their loyalty QR carries and what staff type at the counter
//! to attach them to a sale. Derived from the account id (base32 of its 128 bits, 26 letters
//! and digits), so it needs no table of its own and cannot be guessed from anything else.

use crate::UserId;

/// What the member QR encodes before the code.
pub const MEMBER_QR_PREFIX: &str = "eventory:member:";

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The member code of `user` (26 characters, A-Z and 2-7).
pub fn member_code(user: UserId) -> String {
    let value = user.as_uuid().as_u128();
    // 26 groups of 5 bits cover 130 bits: the top group carries the 3 highest bits.
    (0..26)
        .rev()
        .map(|i| ALPHABET[((value >> (i * 5)) & 0x1f) as usize] as char)
        .collect()
}

/// The member QR's payload for `user`.
pub fn member_qr(user: UserId) -> String {
    format!("{MEMBER_QR_PREFIX}{}", member_code(user))
}

/// The account a scanned QR payload or a typed member code names (any letter case; spaces and
/// dashes ignored); `None` if it is neither.
pub fn parse_member(input: &str) -> Option<UserId> {
    let input = input.trim();
    let code = input
        .get(..MEMBER_QR_PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(MEMBER_QR_PREFIX))
        .map_or(input, |_| &input[MEMBER_QR_PREFIX.len()..]);
    let chars: Vec<u8> = code
        .bytes()
        .filter(|b| !matches!(b, b' ' | b'-'))
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if chars.len() != 26 {
        return None;
    }
    let mut value: u128 = 0;
    for (i, c) in chars.iter().enumerate() {
        let digit = ALPHABET.iter().position(|a| a == c)? as u128;
        if i == 0 && digit > 0b111 {
            return None; // more than 128 bits
        }
        value = (value << 5) | digit;
    }
    Some(UserId::from_uuid(uuid::Uuid::from_u128(value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_from_a_qr_or_typed() {
        for raw in [
            0u128,
            1,
            u128::MAX,
            0x0123_4567_89ab_cdef_0123_4567_89ab_cdef,
        ] {
            let user = UserId::from_uuid(uuid::Uuid::from_u128(raw));
            let code = member_code(user);
            assert_eq!(code.len(), 26);
            assert_eq!(parse_member(&code), Some(user));
            assert_eq!(parse_member(&member_qr(user)), Some(user));
            let typed = format!(" {}-{} ", &code[..13], &code[13..]).to_lowercase();
            assert_eq!(parse_member(&typed), Some(user), "{typed}");
        }
        assert_eq!(parse_member("someone@example.org"), None);
        assert_eq!(parse_member(""), None);
        assert_eq!(parse_member("EVENTORY:MEMBER:"), None);
        assert_eq!(parse_member(&"Z".repeat(26)), None, "beyond 128 bits");
        assert_eq!(parse_member(&"1".repeat(26)), None, "not in the alphabet");
    }
}
