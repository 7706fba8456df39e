//! `ringside phone` and `ringside calls` as a user runs them against a real dev-mode server (started
//! as `ringside serve` on 127.0.0.1:0, reached through `--data-dir`): `behave` with an uploaded WAV,
//! `dial --json` to the resource account's number with keys and a recording, `calls list`, and
//! argument errors that never reach the server.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

fn ringside() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ringside"))
}

struct Serving {
    child: Child,
    dir: tempfile::TempDir,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve() -> Serving {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = ringside()
        .args(["serve", "--json", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawns");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("reads the ready line");
    assert!(line.contains("url"), "{line}");
    Serving { child, dir }
}

fn run(serving: &Serving, args: &[&str]) -> (bool, String, String) {
    let output = ringside()
        .args(args)
        .arg("--data-dir")
        .arg(serving.dir.path())
        .output()
        .expect("runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

/// Writes half a second of an 8 kHz mono 16-bit PCM sine (the CLI crate has no audio dependency).
fn write_wav(path: &std::path::Path) {
    let (rate, samples): (u32, Vec<i16>) = (
        8_000,
        (0..4_000)
            .map(|i| ((i as f32 * 0.3).sin() * 16_000.0) as i16)
            .collect(),
    );
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for sample in samples {
        out.extend_from_slice(&sample.to_le_bytes());
    }
    std::fs::write(path, out).expect("wav written");
}

#[test]
fn behave_dial_and_list_from_the_command_line() {
    let serving = serve();
    let wav = serving.dir.path().join("hello.wav");
    write_wav(&wav);

    let play = format!("{}@200ms", wav.display());
    let (ok, stdout, stderr) = run(
        &serving,
        &[
            "phone",
            "behave",
            "+14255550777",
            "--answer-after",
            "300ms",
            "--play",
            &play,
            "--hangup-after",
            "2s",
        ],
    );
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("answer auto after 300ms"), "{stdout}");
    assert!(stdout.contains("play media"), "{stdout}");

    let recording = serving.dir.path().join("heard.wav");
    let record = recording.display().to_string();
    let (ok, stdout, stderr) = run(
        &serving,
        &[
            "phone",
            "dial",
            "+14255550100",
            "--from",
            "+14255550199",
            "--press",
            "42@2800ms",
            "--hangup-after",
            "4s",
            "--record",
            &record,
            "--json",
        ],
    );
    assert!(ok, "{stdout}{stderr}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).expect("JSON summary");
    assert_eq!(summary["summary"]["keysReceivedByFarEnd"], "42", "{stdout}");
    assert_eq!(summary["summary"]["endReason"], "hungUp");
    assert_eq!(summary["call"]["state"], "ended");
    assert!(summary["summary"]["audioStarts"].as_u64() >= Some(1));
    assert_eq!(summary["recording"], record.as_str());
    assert!(std::fs::metadata(&recording).expect("saved").len() > 44);

    let (ok, stdout, stderr) = run(&serving, &["calls", "list"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("no live calls"), "{stdout}");
    let (ok, stdout, _) = run(&serving, &["calls", "list", "--json"]);
    assert!(ok);
    assert!(stdout.contains("\"value\""), "{stdout}");

    // Errors: the server's message for a bad number, clap's for a bad step.
    let (ok, _, stderr) = run(&serving, &["phone", "behave", "12345", "--busy"]);
    assert!(!ok);
    assert!(stderr.contains("E.164"), "{stderr}");
    let (ok, _, stderr) = run(
        &serving,
        &[
            "phone",
            "dial",
            "+14255550100",
            "--from",
            "+14255550199",
            "--press",
            "1x@1s",
        ],
    );
    assert!(!ok);
    assert!(stderr.contains("not a DTMF key"), "{stderr}");
    let (ok, _, stderr) = run(
        &serving,
        &["phone", "behave", "+14255550777", "--hangup-after", "5h"],
    );
    assert!(!ok);
    assert!(stderr.contains("too long"), "{stderr}");
}
