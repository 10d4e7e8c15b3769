//! How deeply values nest: arrays and maps inside each other, and the
//! variables closures captured. Rhai clones, compares, prints and drops
//! values by recursion, so depth is what exhausts a stack; it counts sizes,
//! not depth, and not what closures hold at all.

use rhai::{Array, Dynamic, FnPtr, Map};
use std::collections::{HashMap, HashSet};

/// A walk over values that stops as soon as one nests deeper than `limit`.
pub struct Scan {
    limit: usize,
    /// Values looked at, so the caller can pace its scans.
    pub visited: usize,
    /// Shared cells (captured variables) seen, and how deep.
    seen: HashMap<usize, usize>,
    /// Shared cells on the way to the current value: a closure that
    /// captured itself is a cycle, never dropped nor walked by Rhai.
    path: HashSet<usize>,
}

impl Scan {
    pub fn new(limit: usize) -> Scan {
        Scan {
            limit,
            visited: 0,
            seen: HashMap::new(),
            path: HashSet::new(),
        }
    }

    /// Whether `value` nests deeper than the limit: more arrays, maps,
    /// closures and captured variables inside each other than it allows.
    pub fn too_deep(&mut self, value: &Dynamic) -> bool {
        self.over(value, 0)
    }

    fn over(&mut self, value: &Dynamic, level: usize) -> bool {
        self.visited += 1;
        let shared = value.is_shared();
        if !shared && !value.is_array() && !value.is_map() && !value.is_fnptr() {
            return false; // most values: nothing inside
        }
        if level >= self.limit {
            return true;
        }
        if shared {
            // Locked for writing by the statement running now: it is being
            // changed, and is looked at by a later scan.
            let Some(inner) = value.read_lock::<Dynamic>() else {
                return false;
            };
            let key = &*inner as *const Dynamic as usize;
            if self.path.contains(&key) || self.seen.get(&key).is_some_and(|&l| l >= level) {
                return false;
            }
            self.seen.insert(key, level);
            self.path.insert(key);
            let over = self.over(&inner, level + 1);
            self.path.remove(&key);
            return over;
        }
        if let Some(array) = value.read_lock::<Array>() {
            return array.iter().any(|v| self.over(v, level + 1));
        }
        if let Some(map) = value.read_lock::<Map>() {
            return map.values().any(|v| self.over(v, level + 1));
        }
        if let Some(f) = value.read_lock::<FnPtr>() {
            return f.iter_curry().any(|v| self.over(v, level + 1));
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::Scan;
    use rhai::{Array, Dynamic, FnPtr};

    fn nested(depth: usize) -> Dynamic {
        let mut v = Dynamic::from(1_i64);
        for _ in 0..depth {
            v = Dynamic::from_array(vec![v]);
        }
        v
    }

    #[test]
    fn depth_is_counted_through_arrays_maps_and_closures() {
        assert!(!Scan::new(3).too_deep(&nested(3)));
        assert!(Scan::new(3).too_deep(&nested(4)));
        let mut f = FnPtr::new("f").unwrap();
        f.add_curry(nested(3).into_shared());
        // The closure, its captured variable, then the array.
        assert!(!Scan::new(5).too_deep(&Dynamic::from(f.clone())));
        assert!(Scan::new(4).too_deep(&Dynamic::from(f)));
    }

    #[test]
    fn a_closure_that_captured_itself_is_not_endless() {
        let mut cell = Dynamic::UNIT.into_shared();
        let mut f = FnPtr::new("f").unwrap();
        f.add_curry(cell.clone());
        *cell.write_lock::<Dynamic>().unwrap() = Dynamic::from(f);
        assert!(!Scan::new(10).too_deep(&cell));
    }

    #[test]
    fn wide_is_not_deep() {
        let wide: Array = (0..10_000).map(|_| nested(2)).collect();
        let mut scan = Scan::new(3);
        assert!(!scan.too_deep(&Dynamic::from_array(wide)));
        assert_eq!(scan.visited, 1 + 10_000 * 3);
    }
}
