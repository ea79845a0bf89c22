//! *How does a PHP application's config follow?* — `demo4-watch --render TEMPLATE:DEST`, the
//! consul-template of this section.
//!
//! The template language is one rule: **a line that mentions `{{name}}`, `{{endpoint}}` or
//! `{{host}}` is written once per server** (sorted by name), with those filled in; every other
//! line is copied as it is. That is enough for a PHP array (`peers/templates/rpc.php.tpl`) and
//! for an allowlist of addresses (`peers/templates/allow.txt.tpl`, one `{{host}}/32` a line).
//!
//! The file is replaced **atomically**: written to a temporary file in the same directory, then
//! renamed over DEST. A reader — PHP including `config/rpc.php` on every request — sees the old
//! file or the new one, never half of one.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::watch::Servers;

/// One `--render TEMPLATE:DEST`.
#[derive(Debug, Clone)]
pub struct Render {
    pub template: PathBuf,
    pub dest: PathBuf,
}

impl std::str::FromStr for Render {
    type Err = String;

    fn from_str(spec: &str) -> Result<Render, String> {
        match spec.split_once(':') {
            Some((template, dest)) if !template.is_empty() && !dest.is_empty() => Ok(Render {
                template: template.into(),
                dest: dest.into(),
            }),
            _ => Err(format!(
                "`{spec}` is not TEMPLATE:DEST (e.g. peers/templates/rpc.php.tpl:config/rpc.php)"
            )),
        }
    }
}

impl Render {
    /// Reads the template (again: it may be edited while the watcher runs) and replaces DEST.
    pub fn write(&self, servers: &Servers) -> std::io::Result<()> {
        let template = std::fs::read_to_string(&self.template).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("template {}: {e}", self.template.display()),
            )
        })?;
        replace_atomically(&self.dest, &render(&template, servers))
    }
}

/// Fills `template` with `servers` (see the module header for the one rule).
pub fn render(template: &str, servers: &Servers) -> String {
    let mut out = String::with_capacity(template.len());
    for line in template.split_inclusive('\n') {
        if !["{{name}}", "{{endpoint}}", "{{host}}"]
            .iter()
            .any(|field| line.contains(field))
        {
            out.push_str(line);
            continue;
        }
        for (name, endpoint) in servers {
            out.push_str(
                &line
                    .replace("{{name}}", name)
                    .replace("{{endpoint}}", endpoint)
                    .replace("{{host}}", host_of(endpoint)),
            );
        }
    }
    out
}

/// `tcp://10.0.0.7:5555` → `10.0.0.7` (`[::1]` keeps no brackets).
fn host_of(endpoint: &str) -> &str {
    let rest = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest);
    let host = rest.rsplit_once(':').map_or(rest, |(host, _)| host);
    host.trim_start_matches('[').trim_end_matches(']')
}

/// Writes `content` to a temporary file next to `dest`, flushes it to disk, renames it over
/// `dest` (one atomic step on the same file system).
pub fn replace_atomically(dest: &Path, content: &str) -> std::io::Result<()> {
    let dir = match dest.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let file_name = dest
        .file_name()
        .map_or_else(|| "rendered".into(), |n| n.to_string_lossy().into_owned());
    let temp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let mut file = std::fs::File::create(&temp)?;
    file.write_all(content.as_bytes())?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temp, dest).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn servers() -> Servers {
        [
            ("bob", "tcp://10.0.0.8:5555"),
            ("alice", "tcp://10.0.0.7:5555"),
        ]
        .into_iter()
        .map(|(n, e)| (n.to_string(), e.to_string()))
        .collect()
    }

    #[test]
    fn a_line_with_a_field_is_repeated_per_server_in_name_order() {
        let template = "<?php\nreturn ['demo4' => [\n    '{{endpoint}}', // {{name}}\n]];\n";
        assert_eq!(
            render(template, &servers()),
            "<?php\nreturn ['demo4' => [\n    'tcp://10.0.0.7:5555', // alice\n    'tcp://10.0.0.8:5555', // bob\n]];\n"
        );
        assert_eq!(
            render(template, &Servers::new()),
            "<?php\nreturn ['demo4' => [\n]];\n"
        );
        assert_eq!(
            render("{{host}}/32\n", &servers()),
            "10.0.0.7/32\n10.0.0.8/32\n"
        );
    }

    #[test]
    fn render_specs_need_both_halves() {
        let spec: Render = "a.tpl:out/rpc.php"
            .parse()
            .expect("TEMPLATE:DEST with both halves parses");
        assert_eq!(spec.dest, PathBuf::from("out/rpc.php"));
        assert!("a.tpl".parse::<Render>().is_err());
        assert!(":x".parse::<Render>().is_err());
    }
}
