//! The `lakeseek` command-line tool.

mod cli;
mod commands;
mod maintenance;
mod output;
mod stress;

use clap::Parser;

fn main() {
    let args = cli::Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(2);
        }
    };
    if let Err(err) = runtime.block_on(commands::run(args)) {
        // One line: the error and its causes, no backtrace.
        let chain: Vec<String> = err.chain().map(|e| e.to_string()).collect();
        let mut line = String::new();
        for part in chain {
            if !line.contains(&part) {
                if !line.is_empty() {
                    line.push_str(": ");
                }
                line.push_str(&part);
            }
        }
        eprintln!("error: {line}");
        std::process::exit(2);
    }
}
