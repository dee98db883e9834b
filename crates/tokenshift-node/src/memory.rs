//! Peak memory of long CLI runs: glibc gives every thread that allocates a malloc arena of its own (up to
//! 8 per core), and each keeps the memory it once held. A streaming run touches many threads (the prepare
//! pool, libuv's workers, the Parquet decoder), so its RSS grows past what it uses (a 1 GB Parquet stream:
//! 460-490 MB; with MALLOC_ARENA_MAX=2 from the start, 325 MB). The `tokenshift` command caps the arenas
//! for the threads still to come; the library leaves the host's malloc alone unless asked.

use napi_derive::napi;

/// Caps glibc's malloc arenas at `count` for arenas created from now on (as `MALLOC_ARENA_MAX` does).
/// Returns false where there is no glibc (musl, macOS, Windows) or glibc refused the value.
#[napi]
pub fn cap_malloc_arenas(count: u32) -> bool {
    cap(count)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn cap(count: u32) -> bool {
    let Ok(count) = libc::c_int::try_from(count.max(1)) else {
        return false;
    };
    // SAFETY: mallopt only sets an allocator parameter; M_ARENA_MAX takes any positive count.
    unsafe { libc::mallopt(libc::M_ARENA_MAX, count) == 1 }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn cap(_count: u32) -> bool {
    false
}
