//! The configuration as the commands read it: config.toml over config/default.toml.

mod common;

/// A configuration value that cannot be used stops every command with one message
/// naming the file, line, column and key, and nothing is done.
#[test]
fn a_bad_setting_names_file_line_and_key() {
    let s = common::Sandbox::new();
    s.demo();
    std::fs::create_dir_all(s.path("config")).expect("config dir");
    s.write(
        "config/config.toml",
        "name = \"李四\"\n\ntimezone = \"Asia/Shanghia\"\n",
    );
    let before = s.contents();
    let err = s.fails(&["verify", "2022Q1-0008", "--note", "x"]);
    let config = s.path("config/config.toml");
    assert_eq!(
        err,
        format!(
            "govcheck: {}, line 3, column 12, key timezone: \"Asia/Shanghia\" is not a time zone (e.g. Asia/Shanghai)\n",
            config.display()
        )
    );
    assert_eq!(s.contents(), before, "nothing written");
}
