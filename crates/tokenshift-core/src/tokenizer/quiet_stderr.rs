//! Runs a dependency call with stderr captured. `tokenizers` 1.0's perfect-hash builder (`ptr_hash`)
//! `eprintln!`s every seed it retries ("Indistinguishable hashes in bucket!" and hash dumps) while it
//! loads some vocabularies (ChatGLM3's): harmless, but a library writes only through the channels it
//! documents. Its lines are dropped; anything else written to stderr meanwhile (by another thread)
//! is written back once the call returns. That capture is only safe while the process writes nothing
//! that must outlive it (an exit during it would lose what was written): a build running beside
//! JavaScript runs `uncaptured`, which only files whose build printed nothing before may do
//! (`printed_during` tells).

use std::cell::Cell;

thread_local! {
    /// Set by `uncaptured`: `quietly` runs its work as it is.
    static UNCAPTURED: Cell<bool> = const { Cell::new(false) };
    /// Set when `quietly` dropped lines of the dependency's.
    static PRINTED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `work` with `quietly` capturing nothing on this thread.
pub fn uncaptured<T>(work: impl FnOnce() -> T) -> T {
    let before = UNCAPTURED.with(|flag| flag.replace(true));
    let result = work();
    UNCAPTURED.with(|flag| flag.set(before));
    result
}

/// Runs `work` and says whether `quietly` dropped the dependency's lines meanwhile, on this thread.
pub fn printed_during<T>(work: impl FnOnce() -> T) -> (T, bool) {
    let before = PRINTED.with(|flag| flag.replace(false));
    let result = work();
    let printed = PRINTED.with(|flag| flag.replace(before || flag.get()));
    (result, printed)
}

#[cfg(unix)]
pub fn quietly<T>(work: impl FnOnce() -> T) -> T {
    use std::io::{Read, Write};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::sync::Mutex;

    if UNCAPTURED.with(Cell::get) {
        return work();
    }

    // fd 2 is process-wide: one capture at a time.
    static CAPTURE: Mutex<()> = Mutex::new(());
    let _one = CAPTURE.lock().unwrap_or_else(|e| e.into_inner());

    let mut fds = [0; 2];
    // SAFETY: pipe/dup/dup2 on descriptors this function owns; every failure runs `work` uncaptured.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return work();
    }
    let (read_end, write_end) =
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let saved = unsafe { libc::dup(2) };
    if saved < 0 {
        return work();
    }
    let saved = unsafe { OwnedFd::from_raw_fd(saved) };
    // A reader drains the pipe while `work` runs, so a long dump cannot fill it and block the writer.
    let mut reader = std::fs::File::from(read_end);
    let drain = std::thread::spawn(move || {
        let mut captured = Vec::new();
        let _ = reader.read_to_end(&mut captured);
        captured
    });
    let _ = std::io::stderr().flush();
    if unsafe { libc::dup2(write_end.as_raw_fd(), 2) } < 0 {
        drop(write_end);
        let _ = drain.join();
        return work();
    }
    drop(write_end);
    let result = work();
    let _ = std::io::stderr().flush();
    // Restoring fd 2 closes the pipe's last write end: the reader sees end of file.
    unsafe { libc::dup2(saved.as_raw_fd(), 2) };
    let captured = drain.join().unwrap_or_default();
    let others = foreign_lines(&captured);
    if others.len() < captured.len() {
        PRINTED.with(|flag| flag.set(true));
    }
    if !others.is_empty() {
        let _ = std::io::stderr().write_all(&others);
    }
    result
}

#[cfg(not(unix))]
pub fn quietly<T>(work: impl FnOnce() -> T) -> T {
    work()
}

/// The captured lines that are not the hash builder's diagnostics.
#[cfg_attr(not(unix), allow(dead_code))]
fn foreign_lines(captured: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in captured.split_inclusive(|&b| b == b'\n') {
        let text = String::from_utf8_lossy(line);
        let from_hash_builder = text.contains("Indistinguishable hashes in bucket")
            || text.contains("Hashes are not distinct")
            || is_hash_dump(text.trim_end());
        if !from_hash_builder {
            out.extend_from_slice(line);
        }
    }
    out
}

/// `ptr_hash` dumps the colliding hashes as `{:x?} -> slot N`.
fn is_hash_dump(line: &str) -> bool {
    line.rsplit_once(" -> slot ")
        .is_some_and(|(_, slot)| !slot.is_empty() && slot.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_the_hash_builders_lines_and_keeps_others() {
        let captured =
            b"part 0: bucket of size 4 with 12 slots: Indistinguishable hashes in bucket!\n\
[1a2b, 3c] -> slot 7\nsomething else\n";
        assert_eq!(foreign_lines(captured), b"something else\n");
    }

    /// Writes straight to fd 2, as `eprintln!` does outside the test harness (which captures it).
    #[cfg(unix)]
    fn write_fd2(text: &str) {
        // SAFETY: a write of a valid buffer to fd 2.
        unsafe { libc::write(2, text.as_ptr().cast(), text.len()) };
    }

    #[cfg(unix)]
    #[test]
    fn what_reaches_stderr_is_only_what_others_wrote_and_the_result_comes_back() {
        use std::io::Read;
        use std::os::fd::FromRawFd;
        let mut fds = [0; 2];
        // SAFETY: a pipe stands in for the terminal while the test swaps fd 2, then puts it back.
        let (outer, saved) = unsafe {
            assert_eq!(libc::pipe(fds.as_mut_ptr()), 0);
            let saved = libc::dup(2);
            libc::dup2(fds[1], 2);
            libc::close(fds[1]);
            (std::fs::File::from_raw_fd(fds[0]), saved)
        };
        let result = quietly(|| {
            write_fd2(
                "part 0: bucket of size 4 with 12 slots: Indistinguishable hashes in bucket!\n",
            );
            write_fd2("[1a2b, 3c] -> slot 7\n");
            write_fd2("a line of someone else's\n");
            42
        });
        // SAFETY: restores the saved stderr; closing fd 2's pipe end lets the read below finish.
        unsafe {
            libc::dup2(saved, 2);
            libc::close(saved);
        }
        let mut reached = String::new();
        let mut outer = outer;
        outer.read_to_string(&mut reached).expect("read");
        assert_eq!(result, 42);
        assert_eq!(reached, "a line of someone else's\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_dependency_that_printed_is_told_and_uncaptured_work_runs_as_it_is() {
        let (_, printed) = printed_during(|| quietly(|| write_fd2("[1a2b, 3c] -> slot 7\n")));
        assert!(printed);
        let (_, printed) = printed_during(|| quietly(|| 1));
        assert!(!printed);
        // Uncaptured, nothing is dropped, so nothing is told.
        let (_, printed) = printed_during(|| uncaptured(|| quietly(|| 1)));
        assert!(!printed);
        assert!(!UNCAPTURED.with(Cell::get));
    }
}
