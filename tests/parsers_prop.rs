//! Property tests for every parser of outside input the store owns: CSV import files,
//! notice workbooks (XLSX and CSV), journal lines and the checkpoint decoder. Whatever
//! the bytes, they never panic, never allocate by a number read from the input, and
//! refuse with a message naming where. Bounded (a few hundred cases) to stay fast.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use govcheck::formats::notice::read::read_grids;
use govcheck::store::checkpoint;
use govcheck::store::import::{SourceFile, read_table};
use govcheck::store::journal;
use proptest::prelude::*;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Header names, English and Chinese, of every import kind, and some noise.
const NAMES: &[&str] = &[
    "id",
    "name",
    "platform",
    "region",
    "host_unit",
    "code",
    "parent_code",
    "round",
    "title",
    "period_start",
    "period_end",
    "monitoring_point",
    "mode",
    "deadline",
    "account",
    "problem",
    "note",
    "published_at",
    "账号名称",
    "主办单位",
    "序号",
    "发布时间",
    "存在突出问题",
    "",
    " ",
    "（个）",
    "\"",
    "\u{feff}id",
];

fn csv_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9 ,\"\\n\\r;/年月日：-]{0,12}",
        "\\PC{0,8}",
        Just("2025-09-01T09:00:00+08:00".to_string()),
        Just("监测点前两周无更新".to_string()),
        Just("=1+1".to_string()),
    ]
}

/// A CSV file with a header drawn from the known names and random rows, as text.
fn csv_text() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(proptest::sample::select(NAMES), 0..8),
        proptest::collection::vec(proptest::collection::vec(csv_cell(), 0..9), 0..6),
    )
        .prop_map(|(header, rows)| {
            let mut out = header.join(",");
            out.push('\n');
            for r in rows {
                out.push_str(&r.join(","));
                out.push('\n');
            }
            out
        })
}

fn check_import_error(path: &Path, bytes: Vec<u8>) {
    let file = SourceFile {
        path: path.to_path_buf(),
        bytes,
    };
    if let Err(e) = read_table(&file) {
        assert_eq!(e.path, path, "{e}");
        assert!(
            e.line.is_some() || e.message.contains("empty"),
            "an error without a line: {e}"
        );
    }
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn csv_import_of_random_bytes_never_panics_and_names_the_file(
        bytes in proptest::collection::vec(any::<u8>(), 0..400)
    ) {
        check_import_error(Path::new("in/random.csv"), bytes);
    }

    #[test]
    fn csv_import_of_random_tables_in_any_encoding_never_panics(
        text in csv_text(),
        gbk in any::<bool>(),
        bom in any::<bool>(),
    ) {
        let mut bytes = Vec::new();
        if bom {
            bytes.extend_from_slice(b"\xef\xbb\xbf");
        }
        if gbk {
            bytes.extend_from_slice(&encoding_rs::GB18030.encode(&text).0);
        } else {
            bytes.extend_from_slice(text.as_bytes());
        }
        check_import_error(Path::new("in/table.csv"), bytes);
    }

    #[test]
    fn notice_files_of_random_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        zip in any::<bool>(),
    ) {
        let mut b = if zip { b"PK\x03\x04".to_vec() } else { Vec::new() };
        b.extend(bytes);
        let path = PathBuf::from(if zip { "附件1.xlsx" } else { "附件1.csv" });
        if let Err(e) = read_grids(&path, &b) {
            prop_assert_eq!(&e.path, &path);
        }
    }

    #[test]
    fn damaged_workbooks_never_panic(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6)) {
        let mut b = workbook().clone();
        for (at, v) in flips {
            let i = at.index(b.len());
            b[i] ^= v | 1;
        }
        let _ = read_grids(Path::new("附件2.xlsx"), &b);
    }
}

/// A small valid notice workbook.
fn workbook() -> &'static Vec<u8> {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(|| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in [
            "存在突出问题",
            "所属地区",
            "新媒体类型",
            "政务新媒体名称",
            "主办单位",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(0, c as u16, *h).expect("write");
        }
        for r in 1..20u32 {
            for c in 0..5u16 {
                ws.write_string(r, c, format!("值{r}-{c}")).expect("write");
            }
        }
        ws.merge_range(
            1,
            0,
            5,
            0,
            "监测点前两周未更新",
            &rust_xlsxwriter::Format::new(),
        )
        .expect("merge");
        wb.save_to_buffer().expect("xlsx")
    })
}

#[test]
fn a_zip_bomb_workbook_is_refused_without_inflating_it() {
    // 66 MiB of spaces, compressed to well under a megabyte.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .large_file(true);
    zip.start_file("[Content_Types].xml", opts).expect("entry");
    zip.write_all(b"<Types/>").expect("write");
    zip.start_file("xl/sharedStrings.xml", opts).expect("entry");
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..66 {
        zip.write_all(&chunk).expect("write");
    }
    let bytes = zip.finish().expect("zip").into_inner();
    assert!(bytes.len() < 2 << 20, "{} bytes", bytes.len());
    let err = read_grids(Path::new("bomb.xlsx"), &bytes).expect_err("refused");
    assert!(
        err.to_string().contains("inflates to more than 64 MiB"),
        "{err}"
    );
}

#[test]
fn a_sheet_spanning_the_whole_grid_is_refused_not_allocated() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "地区").expect("write");
    ws.write_string(1_048_575, 200, "远").expect("write");
    let bytes = wb.save_to_buffer().expect("xlsx");
    let err = read_grids(Path::new("wide.xlsx"), &bytes).expect_err("refused");
    assert!(err.to_string().contains("at most 1000000 cells"), "{err}");
}

/// A journal of `n` valid batches.
fn journal_bytes(n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for seq in 1..=n {
        let line = format!(
            "{{\"seq\":{seq},\"at\":\"2026-11-22T10:15:02+08:00\",\"by\":{{\"name\":\"张三\"}},\"changes\":[{{\"op\":\"region\",\"code\":\"33{seq:04}\",\"name\":\"区{seq}\"}}]}}"
        );
        out.extend_from_slice(format!("{:08x} ", crc32fast::hash(line.as_bytes())).as_bytes());
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    out
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn journal_lines_of_random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = journal::scan(Path::new("journal.jsonl"), &bytes);
    }

    #[test]
    fn a_torn_last_line_is_ignored(cut in 1usize..200) {
        let whole = journal_bytes(4);
        let scan = journal::scan(Path::new("j"), &whole).expect("valid");
        prop_assert_eq!(scan.last_seq, 4);
        let last_start = scan.starts[3] as usize;
        let end = (last_start + cut).min(whole.len() - 1);
        let torn = journal::scan(Path::new("j"), &whole[..end]).expect("a torn tail is no error");
        prop_assert_eq!(torn.last_seq, 3);
        prop_assert!(torn.torn_tail);
        prop_assert_eq!(torn.valid_len, last_start as u64);
    }

    #[test]
    fn a_damaged_middle_line_is_refused_with_its_line_number(
        at in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let mut bytes = journal_bytes(4);
        let scan = journal::scan(Path::new("j"), &bytes).expect("valid");
        // A byte of line 2 (its newline included).
        let (start, end) = (scan.starts[1] as usize, scan.starts[2] as usize);
        let i = start + at.index(end - start);
        bytes[i] ^= 1 << bit;
        match journal::scan(Path::new("j"), &bytes) {
            Err(govcheck::store::StoreError::Corrupt { line, .. }) => prop_assert_eq!(line, 2),
            Err(e) => prop_assert!(false, "not reported as damage: {}", e),
            // The one harmless flip: a checksum digit's case (`a` → `A`).
            Ok(s) => prop_assert_eq!(s.last_seq, 4),
        }
    }

    #[test]
    fn checkpoints_of_random_bytes_are_refused_never_allocated_by(
        counts in proptest::collection::vec(any::<u32>(), 0..12),
        tail in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut b = b"GCCKPT01".to_vec();
        b.extend_from_slice(&[0u8; 36]);
        for c in counts {
            b.extend_from_slice(&c.to_le_bytes());
        }
        b.extend(tail);
        let mut reg = govcheck::domain::registry::Registry::new();
        let _ = checkpoint::load_into(&b, &mut reg);
    }

    #[test]
    fn damaged_checkpoints_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut b = valid_checkpoint().clone();
        for (at, v) in flips {
            let i = at.index(b.len());
            b[i] ^= v | 1;
        }
        let keep = cut.index(b.len() + 1);
        b.truncate(keep.max(1));
        let mut reg = govcheck::domain::registry::Registry::new();
        let _ = checkpoint::load_into(&b, &mut reg);
    }
}

/// A checkpoint of the demo registry.
fn valid_checkpoint() -> &'static Vec<u8> {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tmp");
        let store = dir.path().join("s");
        let ok = std::process::Command::new(env!("CARGO_BIN_EXE_govcheck"))
            .env("GOVCHECK_CONFIG_DIR", dir.path().join("config"))
            .args(["--data"])
            .arg(&store)
            .args(["init", "--demo"])
            .output()
            .expect("init");
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
        // Moved into a journal store: the checkpoint belongs to that format.
        let journal_store = dir.path().join("j");
        let moved = std::process::Command::new(env!("CARGO_BIN_EXE_govcheck"))
            .args(["migrate", "--from"])
            .arg(&store)
            .arg("--to")
            .arg(&journal_store)
            .output()
            .expect("migrate");
        assert!(
            moved.status.success(),
            "{}",
            String::from_utf8_lossy(&moved.stderr)
        );
        let store = journal_store;
        use govcheck::store::RegistrySource as _;
        let snap = govcheck::store::LocalStore::open(&store)
            .expect("open")
            .load()
            .expect("load");
        let journal = std::fs::read(store.join("journal.jsonl")).expect("journal");
        let lines = journal.iter().filter(|&&b| b == b'\n').count() as u64;
        let pos = checkpoint::Position::at(&journal, 0, journal.len() as u64, snap.seq, lines)
            .expect("position");
        checkpoint::encode(&snap.registry, &pos)
    })
}

#[test]
fn notice_cells_and_rows_are_bounded_naming_where() {
    let long = format!("地区,总量\n{},1\n", "名".repeat(4001));
    let err = read_grids(Path::new("附件1.csv"), long.as_bytes()).expect_err("long cell");
    assert!(
        err.to_string().contains("cell A2") && err.to_string().contains("4001"),
        "{err}"
    );
    let wide = format!("地区{}\n", ",x".repeat(100_000));
    let err = read_grids(Path::new("附件1.csv"), wide.as_bytes()).expect_err("wide");
    assert!(
        err.to_string().contains("line 1") && err.to_string().contains("100001 columns"),
        "{err}"
    );
}
