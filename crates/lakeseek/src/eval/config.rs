//! One evaluation configuration: which search modes run, on which columns,
//! with which settings. Parsed from `key=value` pairs so the CLI can compare
//! several side by side (`--compare 'bm25-tuned: k1=0.9,b=0.4'`).

use lakeseek_segment::text::bm25::Bm25Params;
use lakeseek_table::search::fusion::Fusion;

use super::EvalError;

/// A search mode to evaluate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Text,
    Vector,
    Hybrid,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Text => "text",
            Mode::Vector => "vector",
            Mode::Hybrid => "hybrid",
        }
    }

    fn parse(s: &str) -> Result<Mode, EvalError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" | "fts" | "bm25" => Ok(Mode::Text),
            "vector" | "dense" => Ok(Mode::Vector),
            "hybrid" => Ok(Mode::Hybrid),
            other => Err(EvalError::Config(format!(
                "unknown mode {other:?} (text, vector, hybrid)"
            ))),
        }
    }
}

/// Settings of one evaluated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalConfig {
    /// Shown in reports.
    pub name: String,
    /// Evaluate this table instead of the default one (e.g. to compare
    /// analyzers, which are fixed per table).
    pub table: Option<String>,
    pub modes: Vec<Mode>,
    /// Text columns (empty: every text column of the table).
    pub text_columns: Vec<String>,
    /// Vector column (`None`: the table's only vector column).
    pub vector_column: Option<String>,
    pub params: Bm25Params,
    pub nprobe: Option<usize>,
    pub refine: Option<usize>,
    pub exact: bool,
    pub fusion: Fusion,
    /// Candidates per leg for hybrid search.
    pub depth: Option<usize>,
}

impl Default for EvalConfig {
    fn default() -> Self {
        EvalConfig {
            name: "default".into(),
            table: None,
            modes: vec![Mode::Text, Mode::Vector, Mode::Hybrid],
            text_columns: Vec::new(),
            vector_column: None,
            params: Bm25Params::default(),
            nprobe: None,
            refine: None,
            exact: false,
            fusion: Fusion::default(),
            depth: None,
        }
    }
}

/// Keys `set` understands.
pub const KEYS: &[&str] = &[
    "modes", "table", "text", "vector", "k1", "b", "nprobe", "refine", "exact", "fusion", "weight",
    "rrf_k", "depth",
];

impl EvalConfig {
    /// Applies one `key=value` setting.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), EvalError> {
        let value = value.trim();
        fn num<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, EvalError> {
            value
                .parse()
                .map_err(|_| EvalError::Config(format!("{key}: bad value {value:?}")))
        }
        match key.trim().to_ascii_lowercase().as_str() {
            "modes" | "mode" => {
                self.modes = value
                    .split(['+', '|', ';'])
                    .map(Mode::parse)
                    .collect::<Result<_, _>>()?;
            }
            "table" => self.table = Some(value.into()),
            "text" => {
                self.text_columns = value
                    .split(['+', '|', ';'])
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty() && c != "*")
                    .collect()
            }
            "vector" => self.vector_column = Some(value.into()),
            "k1" => self.params.k1 = num(key, value)?,
            "b" => self.params.b = num(key, value)?,
            "nprobe" => self.nprobe = Some(num(key, value)?),
            "refine" => self.refine = Some(num(key, value)?),
            "exact" => self.exact = num(key, value)?,
            "depth" => self.depth = Some(num(key, value)?),
            "fusion" => {
                self.fusion = match value.to_ascii_lowercase().as_str() {
                    "rrf" => Fusion::Rrf { k: 60.0 },
                    "linear" => Fusion::Linear { weight: 0.5 },
                    other => {
                        return Err(EvalError::Config(format!(
                            "fusion: {other:?} is not rrf or linear"
                        )))
                    }
                }
            }
            "weight" => match &mut self.fusion {
                Fusion::Linear { weight } => *weight = num(key, value)?,
                Fusion::Rrf { .. } => {
                    self.fusion = Fusion::Linear {
                        weight: num(key, value)?,
                    }
                }
            },
            "rrf_k" => {
                self.fusion = Fusion::Rrf {
                    k: num(key, value)?,
                }
            }
            other => {
                return Err(EvalError::Config(format!(
                    "unknown setting {other:?}; known: {}",
                    KEYS.join(", ")
                )))
            }
        }
        Ok(())
    }

    /// Applies a list like `k1=0.9,b=0.4`.
    pub fn set_all(&mut self, settings: &str) -> Result<(), EvalError> {
        for pair in settings.split(',').filter(|p| !p.trim().is_empty()) {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| EvalError::Config(format!("{pair:?} is not key=value")))?;
            self.set(k, v)?;
        }
        Ok(())
    }

    /// A configuration from `base` plus a `--compare` spec: `NAME: k=v,…`
    /// or just `k=v,…` (then the spec is the name).
    pub fn derive(base: &EvalConfig, spec: &str) -> Result<EvalConfig, EvalError> {
        let mut config = base.clone();
        let (name, settings) = match spec.split_once(':') {
            Some((n, s)) if !n.contains('=') => (n.trim().to_string(), s),
            _ => (spec.trim().to_string(), spec),
        };
        config.name = name;
        config.set_all(settings)?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_and_bad_ones_are_named() {
        let base = EvalConfig::default();
        let c = EvalConfig::derive(&base, "tuned: k1=0.9, b=0.4, modes=text+hybrid").unwrap();
        assert_eq!(c.name, "tuned");
        assert_eq!((c.params.k1, c.params.b), (0.9, 0.4));
        assert_eq!(c.modes, [Mode::Text, Mode::Hybrid]);
        let c = EvalConfig::derive(&base, "fusion=linear,weight=0.7").unwrap();
        assert_eq!(c.name, "fusion=linear,weight=0.7");
        assert_eq!(c.fusion, Fusion::Linear { weight: 0.7 });
        let c = EvalConfig::derive(&base, "nprobe=48,exact=true,text=title+body").unwrap();
        assert_eq!((c.nprobe, c.exact), (Some(48), true));
        assert_eq!(c.text_columns, ["title", "body"]);
        for bad in ["k1=x", "nope=1", "modes=sparse", "k1", "fusion=max"] {
            assert!(EvalConfig::derive(&base, bad).is_err(), "{bad}");
        }
    }
}
