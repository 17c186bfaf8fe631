//! `--name value` options; every option must be consumed, so a misspelt one is an error, not a default.

use std::collections::BTreeMap;

pub struct Args(BTreeMap<String, String>);

impl Args {
    pub fn parse(argv: &[String]) -> Result<Self, String> {
        let mut map = BTreeMap::new();
        let mut it = argv.iter();
        while let Some(k) = it.next() {
            let name = k.strip_prefix("--").ok_or_else(|| format!("expected --option, got '{k}'"))?;
            let v = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
            map.insert(name.to_string(), v.clone());
        }
        Ok(Args(map))
    }
    pub fn string(&mut self, name: &str, default: &str) -> String {
        self.0.remove(name).unwrap_or_else(|| default.to_string())
    }
    pub fn num(&mut self, name: &str, default: f64) -> Result<f64, String> {
        match self.0.remove(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| format!("--{name}: '{v}' is not a number")),
        }
    }
    pub fn done(self) -> Result<(), String> {
        match self.0.keys().next() {
            None => Ok(()),
            Some(k) => Err(format!("unknown option --{k}")),
        }
    }
}
