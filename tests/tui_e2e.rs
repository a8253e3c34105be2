//! End-to-end tests of the console: the real binary in a pseudo-terminal (tmux) on a
//! demo store. Needs tmux (Debian package `tmux`); without it the tests are skipped
//! locally with a message, and fail when `CI` is set so CI cannot pass silently.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_govcheck");

fn tmux_present() -> bool {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("tmux is required for the console end-to-end tests (apt-get install tmux)");
        }
        eprintln!("SKIPPED: tmux not found; install it (apt-get install tmux) to run this test");
    }
    ok
}

/// One private tmux server (its own socket) running the console.
struct Session {
    socket: String,
    dir: tempfile::TempDir,
}

impl Session {
    fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    fn env(&self) -> Vec<(String, String)> {
        let d = self.dir.path();
        vec![
            ("LANG".into(), "C.UTF-8".into()),
            ("TERM".into(), "xterm-256color".into()),
            ("USER".into(), "e2e-tester".into()),
            ("HOME".into(), d.join("home").display().to_string()),
            (
                "XDG_STATE_HOME".into(),
                d.join("state").display().to_string(),
            ),
            (
                "GOVCHECK_CONFIG_DIR".into(),
                d.join("config").display().to_string(),
            ),
        ]
    }

    fn start(name: &str) -> Session {
        Session::start_with(name, None)
    }

    /// As [`Session::start`], with `config` as the user's config.toml.
    fn start_with(name: &str, config: Option<&str>) -> Session {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Session {
            socket: format!("govcheck-e2e-{}-{name}", std::process::id()),
            dir,
        };
        std::fs::create_dir_all(s.dir.path().join("config")).expect("config dir");
        if let Some(text) = config {
            std::fs::write(s.dir.path().join("config").join("config.toml"), text)
                .expect("config.toml");
        }
        let out = s.cli(&["init", "--demo"]);
        assert!(out.status.success(), "{out:?}");
        let env: Vec<String> = s
            .env()
            .into_iter()
            .map(|(k, v)| format!("{k}='{v}'"))
            .collect();
        // The shell records govcheck's exit status in a file: tmux 3.3 does not always
        // fill in #{pane_dead_status} when a full-screen program exits.
        let cmd = format!(
            "env {} '{BIN}' --data '{}' --as-of 2022-05-01; echo $? > '{}'",
            env.join(" "),
            s.store().display(),
            s.exit_file().display()
        );
        s.tmux(&[
            "-u",
            "new-session",
            "-d",
            "-s",
            "main",
            // The console's working directory, where `e` writes: the test's own.
            "-c",
            &s.dir.path().display().to_string(),
            "-x",
            "100",
            "-y",
            "30",
            &cmd,
        ]);
        s.tmux(&["set-option", "-t", "main", "remain-on-exit", "on"]);
        s
    }

    fn cli(&self, args: &[&str]) -> Output {
        let mut c = Command::new(BIN);
        c.arg("--data").arg(self.store());
        c.args(args);
        for (k, v) in self.env() {
            c.env(k, v);
        }
        c.output().expect("run govcheck")
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "main", k]);
        }
    }

    fn text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "main", "-l", text]);
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "main"])
    }

    fn var(&self, name: &str) -> String {
        self.tmux(&[
            "display-message",
            "-p",
            "-t",
            "main",
            &format!("#{{{name}}}"),
        ])
        .trim()
        .to_string()
    }

    fn wait_for(&self, what: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(what) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("timed out waiting for {what:?}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Wait until the console has exited; returns its exit status.
    fn wait_exit(&self) -> String {
        let start = Instant::now();
        loop {
            let status = std::fs::read_to_string(self.exit_file()).unwrap_or_default();
            if status.ends_with('\n') {
                return status.trim().to_string();
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("console did not exit; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn exit_file(&self) -> PathBuf {
        self.dir.path().join("exit-status")
    }

    /// The console's pid: the child of the pane's shell.
    fn console_pid(&self) -> String {
        let shell = self.var("pane_pid");
        let start = Instant::now();
        loop {
            let out = Command::new("pgrep")
                .args(["-P", &shell])
                .output()
                .expect("pgrep");
            let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !pid.is_empty() {
                return pid;
            }
            if start.elapsed() > Duration::from_secs(10) {
                panic!("no console process under the pane's shell {shell}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

/// Press `j` until the selected row holds `text`, reading the screen after each press
/// (a row is chosen by what it shows, not by a count of presses that would silently
/// pick another row if the order changed). Panics when the selection stops moving
/// without reaching it.
fn select_row(s: &Session, text: &str) {
    let start = Instant::now();
    let mut pressed_at: Option<Option<String>> = None;
    loop {
        let screen = s.screen();
        let selected = selected_row(&screen);
        if selected.as_deref().is_some_and(|r| r.contains(text)) {
            return;
        }
        // Press again once the last press has moved the selection.
        if pressed_at.as_ref() != Some(&selected) {
            pressed_at = Some(selected);
            s.keys(&["j"]);
        }
        if start.elapsed() > Duration::from_secs(20) {
            panic!("no row holding {text:?} was selected; screen:\n{screen}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn open_zhoushan_medical(s: &Session) {
    s.wait_for("总体情况");
    s.wait_for("舟山市");
    select_row(s, "舟山市");
    s.keys(&["Enter"]);
    s.wait_for("舟山医疗保障");
    // 2022Q1-0008, the finding the tests then look up by id.
    select_row(s, "舟山医疗保障");
    s.keys(&["Enter"]);
    s.wait_for("2022Q1-0008");
    s.wait_for("整改记录");
}

/// `e` on the deadlines tab writes the chasing list into the working directory: the
/// same list, with the same header, as `govcheck chase --format csv` (#14).
#[test]
fn the_deadlines_tab_exports_the_chasing_list() {
    if !tmux_present() {
        return;
    }
    let s = Session::start("chase");
    s.wait_for("总体情况");
    s.wait_for("舟山市");
    s.keys(&["3"]);
    s.wait_for("逾期 (14)");
    s.keys(&["e"]);
    s.wait_for("已导出");
    let file = s.dir.path().join("2022Q1-浙江省-催办清单.csv");
    let written = std::fs::read(&file).expect("the chasing list was written");
    let text = String::from_utf8(written).expect("utf8");
    let body = text.strip_prefix('\u{feff}').expect("a BOM for Excel");
    assert!(body.starts_with(
        "id,region,platform,account,host_unit,contact,phone,problem,deadline,days_left,status,last_reminded\n"
    ));
    assert_eq!(body.lines().count(), 15, "{body}");
    let out = s.cli(&[
        "chase",
        "--round",
        "2022Q1",
        "--as-of",
        "2022-05-01",
        "--format",
        "csv",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        body,
        String::from_utf8_lossy(&out.stdout),
        "the command's list"
    );
    s.keys(&["q"]);
    assert_eq!(s.wait_exit(), "0");
}

#[test]
fn drill_down_verify_with_note_and_quit() {
    if !tmux_present() {
        return;
    }
    let s = Session::start("verify");
    open_zhoushan_medical(&s);
    s.keys(&["v"]);
    s.wait_for("备注");
    s.text("已恢复更新，复核通过 e2e");
    s.wait_for("复核通过 e2e");
    s.keys(&["Enter"]);
    s.wait_for("已保存");
    // The history and the status follow at once (reloaded from the store).
    s.wait_for("已复核");
    s.keys(&["q"]);
    assert_eq!(s.wait_exit(), "0");
    assert_eq!(s.var("alternate_on"), "0", "alternate screen left on quit");

    let out = s.cli(&["history", "2022Q1-0008", "--format", "json"]);
    assert!(out.status.success(), "{out:?}");
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(json.contains("\"kind\": \"verified\""), "{json}");
    assert!(json.contains("已恢复更新，复核通过 e2e"), "{json}");
    assert!(json.contains("e2e-tester"), "{json}");
    let out = s.cli(&["findings", "--round", "2022Q1", "--status", "verified"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2022Q1-0008"), "{text}");
}

fn signal_test(name: &str, signal: &str, code: &str) {
    if !tmux_present() {
        return;
    }
    let s = Session::start(name);
    open_zhoushan_medical(&s);
    s.keys(&["v"]);
    s.wait_for("备注");
    s.text("半截");
    s.wait_for("半截");
    let pid = s.console_pid();
    let st = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(&pid)
        .status()
        .expect("kill");
    assert!(st.success());
    assert_eq!(s.wait_exit(), code, "exit status after SIG{signal}");
    assert_eq!(
        s.var("alternate_on"),
        "0",
        "terminal restored after SIG{signal}"
    );
    // The store is intact and nothing unconfirmed was written.
    let out = s.cli(&["history", "2022Q1-0008", "--format", "json"]);
    assert!(out.status.success(), "{out:?}");
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(!json.contains("verified"), "{json}");
    assert!(!json.contains("半截"), "{json}");
    // The console's log, through `tracing` to its file (never the screen): the start,
    // the first frame (what benches/console_start.sh reads), the signal and the exit,
    // written out before the process ended.
    let log = s.dir.path().join("state/govcheck/console.log");
    let text = std::fs::read_to_string(Path::new(&log)).expect("console.log");
    for line in [
        "console start on ",
        "first full frame ",
        &format!("SIG{signal}"),
        &format!("console exit {code}"),
    ] {
        assert!(text.contains(line), "{line:?} not in {text}");
    }
}

#[test]
fn sighup_restores_the_terminal_and_writes_nothing_half() {
    signal_test("hup", "HUP", "129");
}

#[test]
fn sigterm_restores_the_terminal() {
    signal_test("term", "TERM", "143");
}

/// The screen line holding the selection marker, with the marker blanked, so the same
/// row compares equal wherever it is drawn.
fn selected_row(screen: &str) -> Option<String> {
    screen
        .lines()
        .find(|l| l.trim_start_matches('│').starts_with('>'))
        .map(|l| l.replacen('>', " ", 1))
}

#[test]
fn idle_writes_nothing_and_another_supervisors_change_shows_without_a_key() {
    if !tmux_present() {
        return;
    }
    let s = Session::start("idle");
    s.wait_for("舟山市");
    select_row(&s, "舟山市");
    s.keys(&["Enter"]);
    s.wait_for("舟山医疗保障");
    // The second finding of 舟山市's list (the first is 2022Q1-0008 舟山医疗保障).
    s.keys(&["j"]);
    std::thread::sleep(Duration::from_millis(500));
    let before = selected_row(&s.screen()).expect("a selected row");
    assert!(!before.contains("舟山医疗保障"), "{before}");
    // Let the load's second delivery land, then record everything the console writes.
    std::thread::sleep(Duration::from_millis(1500));
    let out_file = s.dir.path().join("pane-output");
    s.tmux(&[
        "pipe-pane",
        "-O",
        "-t",
        "main",
        &format!("cat >> '{}'", out_file.display()),
    ]);
    // Longer than two polls of the store (every 2 s): nothing changed, nothing sent.
    std::thread::sleep(Duration::from_millis(5000));
    let idle = std::fs::metadata(&out_file).map_or(0, |m| m.len());
    assert_eq!(idle, 0, "an idle console wrote {idle} bytes");
    // Another supervisor closes the first finding: it moves to the end of the list,
    // the screen follows within a poll, and the cursor stays on the same finding.
    let out = s.cli(&["waive", "2022Q1-0008", "--reason", "账号已注销 e2e"]);
    assert!(out.status.success(), "{out:?}");
    let start = Instant::now();
    let after = loop {
        let screen = s.screen();
        let first_is_closed = screen
            .lines()
            .find(|l| l.contains("舟山医疗保障"))
            .is_some_and(|l| l.contains("免于"));
        if first_is_closed {
            break screen;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the change never showed:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(
        selected_row(&after).as_deref(),
        Some(before.as_str()),
        "{after}"
    );
    let written = std::fs::metadata(&out_file).map_or(0, |m| m.len());
    assert!(written > 0, "the redraw went through the recorded pane");
    s.keys(&["q"]);
    assert_eq!(s.wait_exit(), "0");
}

/// A multi-line note pasted (a bracketed paste, as a terminal sends it) goes into the
/// note field whole and does not save: its line breaks are not Enter presses. Enter
/// then saves all of it.
#[test]
fn a_pasted_multi_line_note_is_kept_whole_and_not_submitted() {
    if !tmux_present() {
        return;
    }
    let s = Session::start("paste");
    open_zhoushan_medical(&s);
    s.keys(&["v"]);
    s.wait_for("备注");
    let mut load = Command::new("tmux")
        .arg("-L")
        .arg(&s.socket)
        .args(["load-buffer", "-b", "note", "-"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("tmux load-buffer");
    {
        use std::io::Write;
        let mut stdin = load.stdin.take().expect("stdin");
        stdin
            .write_all("第一行已整改\n第二行附截图\nq".as_bytes())
            .expect("write buffer");
    }
    assert!(load.wait().expect("load-buffer").success());
    // -p: bracketed, as the application asked for it.
    s.tmux(&["paste-buffer", "-p", "-b", "note", "-t", "main"]);
    s.wait_for("第二行附截图");
    let screen = s.wait_for("第一行已整改");
    assert!(
        !screen.contains("已保存"),
        "a paste must not save: {screen}"
    );
    let out = s.cli(&["history", "2022Q1-0008", "--format", "json"]);
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(
        !json.contains("\"verified\""),
        "nothing recorded yet: {json}"
    );
    s.keys(&["Enter"]);
    s.wait_for("已保存");
    s.keys(&["q"]);
    assert_eq!(s.wait_exit(), "0");
    let out = s.cli(&["history", "2022Q1-0008", "--format", "json"]);
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(
        json.contains("第一行已整改\\n第二行附截图\\nq"),
        "the whole note, line breaks kept: {json}"
    );
}

/// A user's key map remapping a dialog key reaches the dialog: with `confirm` on
/// Ctrl-s, Enter saves nothing and Ctrl-s records the action.
#[test]
fn a_remapped_dialog_key_saves_and_the_default_one_does_not() {
    if !tmux_present() {
        return;
    }
    let s = Session::start_with("remap", Some("[keys.dialog]\nconfirm = [\"Ctrl-s\"]\n"));
    open_zhoushan_medical(&s);
    s.keys(&["v"]);
    s.wait_for("备注");
    s.text("remapped e2e");
    s.wait_for("remapped e2e");
    s.keys(&["Enter"]);
    // Give an Enter that would save the time to do it, then check nothing was.
    std::thread::sleep(Duration::from_millis(500));
    let screen = s.screen();
    assert!(!screen.contains("已保存"), "Enter must not save: {screen}");
    let out = s.cli(&["history", "2022Q1-0008", "--format", "json"]);
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(!json.contains("\"verified\""), "nothing recorded: {json}");
    s.keys(&["C-s"]);
    s.wait_for("已保存");
    s.keys(&["q"]);
    assert_eq!(s.wait_exit(), "0");
    let out = s.cli(&["history", "2022Q1-0008", "--format", "json"]);
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(
        json.contains("\"verified\"") && json.contains("remapped e2e"),
        "{json}"
    );
}
