//! Preparing a statement that calls search table functions.
//!
//! DataFusion's planner accepts only positional table-function arguments and
//! calls table functions synchronously, so before planning we (1) turn named
//! arguments (`nprobe => 16`) into positional `'nprobe=>16'` strings that the
//! functions parse back, and (2) collect the tables the calls name, so they
//! can be opened (async) before the planner asks for them.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, Ident, ObjectNamePart, TableFactor, Value, VisitMut,
    VisitorMut,
};

/// Names of LakeSeek's search table functions.
pub(crate) const SEARCH_FUNCTIONS: &[&str] = &["fts", "vector_search", "hybrid_search"];

/// Separator between an option's name and value after rewriting.
pub(crate) const NAMED_ARG: &str = "=>";

/// Leads a vector literal rewritten to a string (`[0.1, -2]` → mark +
/// `0.1,-2`): planning a 384-element array expression (type coercion and
/// constant folding of every element) cost milliseconds per query, parsing
/// the numbers microseconds.
pub(crate) const VECTOR_MARK: char = '\u{1e}';

/// Leads a rewritten option, so that a query string that happens to contain
/// `=>` is never taken for one (a control character no one types in SQL).
pub(crate) const OPTION_MARK: char = '\u{1f}';

/// Leads the name a search call is planned under. The planner looks every
/// relation of a statement up as a table before it plans, table functions
/// included: under its own name, `vector_search` cost a failed table open (a
/// GET) per statement. No table name can hold this mark, so the lookup ends
/// at once; the functions are registered under both names.
pub(crate) const FUNCTION_MARK: char = '\u{1d}';

/// The name a search function is registered and planned under.
pub(crate) fn internal_name(function: &str) -> String {
    format!("{FUNCTION_MARK}{function}")
}

struct Rewriter {
    tables: Vec<String>,
}

impl VisitorMut for Rewriter {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        let TableFactor::Table {
            name,
            args: Some(args),
            ..
        } = factor
        else {
            return ControlFlow::Continue(());
        };
        let Some(function) = name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map(|i| i.value.to_ascii_lowercase())
        else {
            return ControlFlow::Continue(());
        };
        if !SEARCH_FUNCTIONS.contains(&function.as_str()) {
            return ControlFlow::Continue(());
        }
        if let Some(last) = name.0.last_mut() {
            *last = ObjectNamePart::Identifier(Ident::new(internal_name(&function)));
        }
        for arg in args.args.iter_mut() {
            if let FunctionArg::Unnamed(FunctionArgExpr::Expr(expr)) = arg {
                if let Some(numbers) = numeric_array(expr) {
                    *expr =
                        Expr::value(Value::SingleQuotedString(format!("{VECTOR_MARK}{numbers}")));
                    continue;
                }
            }
            let named = match arg {
                FunctionArg::Named {
                    name,
                    arg: FunctionArgExpr::Expr(value),
                    ..
                } => Some((name.value.clone(), value.clone())),
                FunctionArg::ExprNamed {
                    name,
                    arg: FunctionArgExpr::Expr(value),
                    ..
                } => Some((name.to_string(), value.clone())),
                _ => None,
            };
            if let Some((key, value)) = named {
                let text = match &value {
                    Expr::Value(v) => match &v.value {
                        Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => s.clone(),
                        other => other.to_string(),
                    },
                    other => other.to_string(),
                };
                *arg = FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::value(
                    Value::SingleQuotedString(format!("{OPTION_MARK}{key}{NAMED_ARG}{text}")),
                )));
            }
        }
        if let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(v)))) = args.args.first()
        {
            if let Value::SingleQuotedString(table) = &v.value {
                self.tables.push(table.clone());
            }
        }
        ControlFlow::Continue(())
    }
}

/// `[1, -0.5, 2e3]` as `"1,-0.5,2e3"` when every element is a plain number
/// (optionally negated); anything else is left to the planner.
fn numeric_array(expr: &Expr) -> Option<String> {
    let Expr::Array(array) = expr else {
        return None;
    };
    let mut out = String::with_capacity(array.elem.len() * 10);
    for (i, e) in array.elem.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match e {
            Expr::Value(v) => match &v.value {
                Value::Number(n, _) => out.push_str(n),
                _ => return None,
            },
            Expr::UnaryOp {
                op: datafusion::sql::sqlparser::ast::UnaryOperator::Minus,
                expr,
            } => match expr.as_ref() {
                Expr::Value(v) => match &v.value {
                    Value::Number(n, _) => {
                        out.push('-');
                        out.push_str(n);
                    }
                    _ => return None,
                },
                _ => return None,
            },
            _ => return None,
        }
    }
    Some(out)
}

/// Rewrites named search-function arguments in place and returns the table
/// names the search functions refer to.
pub(crate) fn prepare<S: VisitMut>(statement: &mut S) -> Vec<String> {
    let mut rewriter = Rewriter { tables: Vec::new() };
    let _ = statement.visit(&mut rewriter);
    rewriter.tables
}
