//! The process's resident memory, as the kernel counts it: read from
//! /proc/self/statm (one read of an open file). Where there is no /proc
//! (not Linux) it is unknown, and `max_memory` is not enforced.

use std::fs::File;
use std::sync::OnceLock;

/// /proc/self/statm, open, and the size of a page.
static STATM: OnceLock<Option<(File, u64)>> = OnceLock::new();

/// Bytes of the process's memory in RAM now, if the system says.
pub fn resident() -> Option<u64> {
    let (file, page) = STATM
        .get_or_init(|| Some((File::open("/proc/self/statm").ok()?, page_size())))
        .as_ref()?;
    let mut buf = [0u8; 128];
    let n = read_at_start(file, &mut buf)?;
    // "size resident shared text lib data dt", in pages.
    let text = std::str::from_utf8(&buf[..n]).ok()?;
    let pages: u64 = text.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * page)
}

#[cfg(unix)]
fn read_at_start(file: &File, buf: &mut [u8]) -> Option<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, 0).ok()
}

#[cfg(not(unix))]
fn read_at_start(_: &File, _: &mut [u8]) -> Option<usize> {
    None
}

/// The page size, from the auxiliary vector the kernel gave the process
/// (`AT_PAGESZ`); 4 KiB if it cannot be read.
fn page_size() -> u64 {
    const AT_PAGESZ: u64 = 6;
    let word = std::mem::size_of::<usize>();
    std::fs::read("/proc/self/auxv")
        .ok()
        .and_then(|auxv| {
            auxv.chunks_exact(2 * word).find_map(|pair| {
                let read = |b: &[u8]| match b.try_into() {
                    Ok(n) => u64::from_ne_bytes(n),
                    Err(_) => b.try_into().map_or(0, |n| u32::from_ne_bytes(n).into()),
                };
                (read(&pair[..word]) == AT_PAGESZ).then(|| read(&pair[word..]))
            })
        })
        .filter(|size| size.is_power_of_two())
        .unwrap_or(4096)
}

#[cfg(test)]
mod tests {
    #[test]
    fn resident_memory_grows_with_what_is_held() {
        let Some(before) = super::resident() else {
            return; // no /proc here
        };
        let held = vec![1u8; 64 << 20];
        let after = super::resident().unwrap();
        assert!(after >= before + (60 << 20), "{before} → {after}");
        drop(held);
    }
}
