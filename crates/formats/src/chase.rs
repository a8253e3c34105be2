//! Writing a chasing list (催办清单, built by [`govcheck_domain::chase::chase_list`]) as
//! CSV or XLSX: one header, one set of cells per row, for `govcheck chase` and the
//! console's deadlines export alike. Bytes only: the caller writes them.

use rust_xlsxwriter::{Format, FormatBorder, Workbook, XlsxError};

use govcheck_domain::chase::ChaseRow;
use govcheck_domain::text::{sanitize, spreadsheet_text, width};

use crate::error::FormatError;

/// The CSV header: a contract offices script against.
pub const HEADER: [&str; 12] = [
    "id",
    "region",
    "platform",
    "account",
    "host_unit",
    "contact",
    "phone",
    "problem",
    "deadline",
    "days_left",
    "status",
    "last_reminded",
];

/// Columns that hold values govcheck computed (dates, days, status, time): written as
/// they are. Every other cell is text from data and goes through [`spreadsheet_text`].
const COMPUTED: [usize; 4] = [8, 9, 10, 11];

/// The cells of a row, in [`HEADER`] order. `last_reminded` is the reminder's local
/// time as recorded, to the minute (`2022-04-28 16:23`).
pub fn cells(r: &ChaseRow) -> [String; 12] {
    let f = &r.row;
    [
        f.id.clone(),
        f.region.clone(),
        f.platform.clone(),
        f.account.clone(),
        f.host_unit.clone(),
        r.contact.clone().unwrap_or_default(),
        r.phone.clone().unwrap_or_default(),
        f.problem.clone(),
        f.deadline.map(|d| d.to_string()).unwrap_or_default(),
        f.days_left.map(|d| d.to_string()).unwrap_or_default(),
        f.status.as_str().to_string(),
        f.last_reminded
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default(),
    ]
}

/// A cell as written: computed values neutralised only, text from data also kept from
/// running as a formula.
fn safe(i: usize, c: &str) -> String {
    if COMPUTED.contains(&i) {
        sanitize(c)
    } else {
        spreadsheet_text(c)
    }
}

/// CSV with [`HEADER`], UTF-8 without a BOM (what the other list commands print).
pub fn csv(rows: &[ChaseRow]) -> Result<Vec<u8>, FormatError> {
    let e = |e: csv::Error| FormatError::Csv(e.to_string());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).map_err(e)?;
    for r in rows {
        w.write_record(cells(r).iter().enumerate().map(|(i, c)| safe(i, c)))
            .map_err(e)?;
    }
    w.into_inner().map_err(|e| FormatError::Csv(e.to_string()))
}

/// CSV with a BOM, for a file a supervisor opens in Excel on Chinese Windows.
pub fn csv_file(rows: &[ChaseRow]) -> Result<Vec<u8>, FormatError> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend(csv(rows)?);
    Ok(out)
}

/// XLSX: one sheet 催办清单 with [`HEADER`], every cell a string (a phone number or an
/// id never turns into a number), days left a number, widths fitted to the text.
pub fn xlsx(rows: &[ChaseRow]) -> Result<Vec<u8>, FormatError> {
    xlsx_bytes(rows).map_err(|e| FormatError::Xlsx(e.to_string()))
}

fn xlsx_bytes(rows: &[ChaseRow]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let cell = Format::new().set_border(FormatBorder::Thin);
    let head = cell.clone().set_bold();
    let s = wb.add_worksheet().set_name("催办清单")?;
    let mut widths: Vec<usize> = HEADER.iter().map(|h| width(h)).collect();
    for (c, h) in HEADER.iter().enumerate() {
        s.write_string_with_format(0, c as u16, *h, &head)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let line = r as u32 + 1;
        for (c, text) in cells(row).iter().enumerate() {
            let text = sanitize(text);
            widths[c] = widths[c].max(width(&text));
            match (c, row.row.days_left) {
                (9, Some(d)) => s.write_number_with_format(line, c as u16, d as f64, &cell)?,
                _ => s.write_string_with_format(line, c as u16, &text, &cell)?,
            };
        }
    }
    for (c, w) in widths.iter().enumerate() {
        s.set_column_width(c as u16, (*w).clamp(4, 60) as f64 + 2.0)?;
    }
    s.set_freeze_panes(1, 0)?;
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use govcheck_domain::event::Status;
    use govcheck_domain::listing::FindingRow;

    fn row(account: &str, phone: &str) -> ChaseRow {
        ChaseRow {
            row: FindingRow {
                idx: 0,
                id: "2022Q1-0009".into(),
                round: "2022Q1".into(),
                region_code: "330900".into(),
                region: "舟山市".into(),
                platform: "微信公众号".into(),
                account_id: "a".into(),
                account: account.into(),
                host_unit: "单位".into(),
                indicator: "x".into(),
                problem: "监测点前两周无更新".into(),
                deadline: chrono::NaiveDate::from_ymd_opt(2022, 4, 27),
                days_left: Some(-3),
                status: Status::Open,
                overdue: true,
                version: 1,
                note: None,
                last_reminded: chrono::DateTime::parse_from_rfc3339("2022-04-28T16:23:00+08:00")
                    .ok(),
            },
            contact: Some("王芳".into()),
            phone: Some(phone.into()),
        }
    }

    #[test]
    fn csv_has_the_header_and_keeps_formulas_from_data_as_text() {
        let text =
            String::from_utf8(csv(&[row("=HYPERLINK(\"x\")", "+86 580 2280000")]).expect("csv"))
                .expect("utf8");
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some(
                "id,region,platform,account,host_unit,contact,phone,problem,deadline,days_left,status,last_reminded"
            )
        );
        assert_eq!(
            lines.next(),
            Some(
                "2022Q1-0009,舟山市,微信公众号,\"'=HYPERLINK(\"\"x\"\")\",单位,王芳,'+86 580 2280000,监测点前两周无更新,2022-04-27,-3,open,2022-04-28 16:23"
            )
        );
        assert!(xlsx(&[row("a", "1")]).expect("xlsx").starts_with(b"PK"));
    }
}
