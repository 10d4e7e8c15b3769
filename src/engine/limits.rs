//! Sandbox limits: what a playbook may consume. Defaults here are the documented
//! defaults; `[limits]` in orion.toml overrides any of them, within the ranges
//! in `RANGES` (0 never means "unlimited": it is refused like any value out of
//! range).

use rhai::Engine;
use serde::Deserialize;

const MIB: u64 = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Operations a run may perform before it is stopped (catches endless loops).
    pub max_operations: u64,
    /// Depth of nested function calls.
    pub max_call_levels: usize,
    /// Nesting depth of expressions at global level.
    pub max_expr_depth: usize,
    /// Nesting depth of expressions inside functions.
    pub max_function_expr_depth: usize,
    /// Length of any string, in bytes.
    pub max_string_size: usize,
    /// Items in any array.
    pub max_array_size: usize,
    /// Entries in any object map.
    pub max_map_size: usize,
    /// Modules a run may import.
    pub max_modules: usize,
    /// Values inside values (arrays, maps, closures' captured variables).
    pub max_nesting: usize,
    /// Bytes of memory a run may add to what orion held when it started.
    pub max_memory: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_operations: 10_000_000,
            max_call_levels: 64,
            max_expr_depth: 64,
            max_function_expr_depth: 32,
            max_string_size: 10 * 1024 * 1024,
            max_array_size: 100_000,
            max_map_size: 100_000,
            max_modules: 100,
            max_nesting: 1_000,
            max_memory: 2048 * MIB,
        }
    }
}

/// Each limit's allowed values, smallest and largest. The largest keep the
/// process whole: nesting and calls fit the engine's stack
/// (`engine::stack`), sizes fit in memory.
pub const RANGES: [(&str, u64, u64); 10] = [
    ("max_operations", 1, 1_000_000_000_000),
    ("max_call_levels", 1, 10_000),
    ("max_expr_depth", 1, 1_000),
    ("max_function_expr_depth", 1, 1_000),
    ("max_string_size", 1, 1024 * MIB),
    ("max_array_size", 1, 10_000_000),
    ("max_map_size", 1, 10_000_000),
    ("max_modules", 1, 1_000),
    ("max_nesting", 1, 5_000),
    ("max_memory", 16 * MIB, 1024 * 1024 * MIB),
];

impl Limits {
    pub fn apply(&self, engine: &mut Engine) {
        engine
            .set_max_operations(self.max_operations)
            .set_max_call_levels(self.max_call_levels)
            .set_max_expr_depths(self.max_expr_depth, self.max_function_expr_depth)
            .set_max_string_size(self.max_string_size)
            .set_max_array_size(self.max_array_size)
            .set_max_map_size(self.max_map_size)
            .set_max_modules(self.max_modules);
    }

    /// Every limit by name, as `RANGES` lists them.
    fn values(&self) -> [u64; 10] {
        [
            self.max_operations,
            self.max_call_levels as u64,
            self.max_expr_depth as u64,
            self.max_function_expr_depth as u64,
            self.max_string_size as u64,
            self.max_array_size as u64,
            self.max_map_size as u64,
            self.max_modules as u64,
            self.max_nesting as u64,
            self.max_memory,
        ]
    }

    /// Refuses a limit out of its range, naming it and the range.
    pub fn check(&self) -> Result<(), String> {
        for ((name, min, max), value) in RANGES.iter().zip(self.values()) {
            if !(*min..=*max).contains(&value) {
                let zero = if value == 0 {
                    " (0 does not mean unlimited)"
                } else {
                    ""
                };
                return Err(format!(
                    "[limits] {name} = {value} is out of range{zero}\nhint: {name} takes {} to {} (default {})",
                    grouped(*min),
                    grouped(*max),
                    grouped(Limits::default().get(name)),
                ));
            }
        }
        Ok(())
    }

    fn get(&self, name: &str) -> u64 {
        RANGES
            .iter()
            .zip(self.values())
            .find(|((n, _, _), _)| *n == name)
            .map_or(0, |(_, v)| v)
    }
}

/// 10000000 as "10_000_000", as orion.toml may write it.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('_');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Limits, RANGES};

    #[test]
    fn the_defaults_are_in_range() {
        assert_eq!(Limits::default().check(), Ok(()));
        for (name, ..) in RANGES {
            assert_ne!(Limits::default().get(name), 0, "{name}");
        }
    }

    #[test]
    fn zero_and_too_much_are_refused_with_the_range() {
        let zero = Limits {
            max_operations: 0,
            ..Limits::default()
        };
        assert_eq!(
            zero.check().unwrap_err(),
            "[limits] max_operations = 0 is out of range (0 does not mean unlimited)\nhint: max_operations takes 1 to 1_000_000_000_000 (default 10_000_000)"
        );
        let deep = Limits {
            max_call_levels: 1_000_000,
            ..Limits::default()
        };
        assert!(deep
            .check()
            .unwrap_err()
            .starts_with("[limits] max_call_levels = 1000000 is out of range\nhint: max_call_levels takes 1 to 10_000 (default 64)"));
    }
}
