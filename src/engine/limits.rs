//! Sandbox limits: what a playbook may consume. Defaults here are the documented
//! defaults; `[limits]` in orion.toml overrides any of them.

use rhai::Engine;
use serde::Deserialize;

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
        }
    }
}

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
}
