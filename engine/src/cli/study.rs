//! `coordsr study`: the analysis side of the blinded reader study the web app runs; the checks
//! and statistics are the engine's, shared with the app.

use clap::Subcommand;
use coordsr::study::{self, Export, StudyDef};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: StudyCommand,
}

#[derive(Subcommand)]
enum StudyCommand {
    /// Print the Markdown summary (mean ± SD, Wilcoxon p, weighted κ per question) of reader
    /// exports, JSON or CSV, one file per reader.
    Summarize {
        /// Answer exports (.json or .csv) as the web app saves them, one per reader.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The study definition: answers are checked against it, and questions take its order and prompts.
        #[arg(long)]
        study: Option<PathBuf>,
        /// Also write the summary as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
    },
}

impl Args {
    pub fn run(self) -> Result<(), String> {
        let StudyCommand::Summarize { files, study: study_file, json } = self.command;
        let read = |p: &Path| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
        let def = match &study_file {
            Some(p) => Some(StudyDef::parse(&p.display().to_string(), &read(p)?)?),
            None => None,
        };
        let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
        let exports =
            files.iter().zip(&names).map(|(p, name)| Export::parse(name, &read(p)?)).collect::<Result<Vec<_>, _>>()?;
        let named: Vec<(&str, &Export)> = names.iter().map(String::as_str).zip(&exports).collect();
        study::check_set(&named, def.as_ref())?;
        let summary = study::summarize(def.as_ref(), &exports)?;
        print!("{}", summary.to_markdown());
        if let Some(o) = json {
            std::fs::write(&o, summary.to_json()).map_err(|e| format!("{}: {e}", o.display()))?;
            eprintln!("wrote {}", o.display());
        }
        Ok(())
    }
}
