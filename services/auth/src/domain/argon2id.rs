//! argon2id in PHC string form, computed in working memory that each hashing thread
//! keeps while it is busy and gives back when it is idle.
//!
//! The argon2 crate's `hash_password` and `verify_password` allocate the 19 MiB of
//! working memory afresh on every call. glibc then raises its mmap threshold and keeps
//! the freed blocks, so the auth service measured 107 MB resident after a signin burst
//! on a single hashing thread. Here one buffer per thread is reused for a whole burst,
//! and it is reserved larger than glibc's largest mmap threshold (32 MiB), so it is
//! always a mapping of its own: only the 19 MiB argon2 touches becomes resident, and
//! dropping it returns that memory to the system at once. The strings are the standard
//! PHC ones: hashes made before this change still verify, and these verify with the
//! argon2 crate (see the tests).

use std::cell::RefCell;

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::{self, Output, ParamsString, SaltString, rand_core::OsRng},
};

thread_local! {
    /// This thread's argon2 working memory, reused by every hash it computes.
    static WORKING_MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Blocks (1 KiB each) reserved for the working memory: above glibc's largest
/// dynamic mmap threshold, so the buffer is mapped and unmapped on its own.
const RESERVED_BLOCKS: usize = 33 * 1024;

/// Gives this thread's working memory back to the system; the next hash takes it
/// again.
pub(crate) fn release_working_memory() {
    WORKING_MEMORY.with_borrow_mut(|memory| *memory = Vec::new());
}

/// The longest salt a PHC string carries, decoded.
const MAX_SALT_BYTES: usize = 64;

/// A new salted argon2id hash of `password`, with the crate's default parameters.
pub(crate) fn hash(password: &[u8]) -> Result<String, password_hash::Error> {
    let params = Params::default();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0; MAX_SALT_BYTES];
    let raw_salt = salt.as_salt().decode_b64(&mut salt_bytes)?;
    let mut output = [0; Params::DEFAULT_OUTPUT_LEN];
    compute(&params, password, raw_salt, &mut output)?;
    let phc = password_hash::PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&output)?),
    };
    Ok(phc.to_string())
}

/// Whether `candidate` hashes to the PHC string `stored`, compared in constant time.
pub(crate) fn verify(stored: &str, candidate: &[u8]) -> Result<bool, password_hash::Error> {
    let parsed = password_hash::PasswordHash::new(stored)?;
    if Algorithm::try_from(parsed.algorithm)? != Algorithm::Argon2id
        || parsed.version.map(Version::try_from).transpose()? != Some(Version::V0x13)
    {
        return Err(password_hash::Error::Algorithm);
    }
    let params = Params::try_from(&parsed)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(password_hash::Error::PhcStringField);
    };
    let mut salt_bytes = [0; MAX_SALT_BYTES];
    let raw_salt = salt.decode_b64(&mut salt_bytes)?;
    let mut output = vec![0; expected.len()];
    compute(&params, candidate, raw_salt, &mut output)?;
    Ok(Output::new(&output)? == expected)
}

fn compute(
    params: &Params,
    password: &[u8],
    salt: &[u8],
    output: &mut [u8],
) -> Result<(), argon2::Error> {
    WORKING_MEMORY.with_borrow_mut(|memory| {
        if memory.capacity() == 0 {
            memory.reserve_exact(RESERVED_BLOCKS.max(params.block_count()));
        }
        // argon2 writes every block before it reads it, so the last hash's contents
        // need no clearing.
        memory.resize(params.block_count(), Block::default());
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
            .hash_password_into_with_memory(password, salt, output, &mut memory[..])
    })
}

#[cfg(test)]
mod tests {
    use argon2::{PasswordHasher, PasswordVerifier};

    use super::*;

    #[test]
    fn hashes_agree_with_the_argon2_crate_both_ways() {
        let ours = hash(b"secret-1").unwrap();
        let parsed = password_hash::PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"secret-1", &parsed)
                .is_ok()
        );

        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"secret-2", &salt)
            .unwrap()
            .to_string();
        assert!(verify(&theirs, b"secret-2").unwrap());
        assert!(!verify(&theirs, b"secret-1").unwrap());
    }

    #[test]
    fn a_hash_in_another_algorithm_is_an_error_not_a_match() {
        let salt = SaltString::generate(&mut OsRng);
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x13, Params::default())
            .hash_password(b"secret", &salt)
            .unwrap()
            .to_string();

        assert!(verify(&argon2i, b"secret").is_err());
    }
}
