//! The terminal, and always giving it back. Raw mode, the alternate screen and
//! bracketed paste are entered here and left on quit, on panic (hook) and on
//! SIGTERM/SIGHUP (the main loop calls [`restore`]). Nothing here queries the terminal (no cursor-position or
//! capability requests whose replies could hang or land on screen over a slow link);
//! frames are wrapped in a synchronized update, which terminals without support ignore.

use std::io::{self, Write};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{execute, queue};

use crate::app::App;

pub type Term = Terminal<CrosstermBackend<io::Stdout>>;

/// Enter raw mode and the alternate screen; install the panic hook that restores the
/// terminal before the panic message is printed.
pub fn enter(mouse: bool) -> io::Result<Term> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore(true);
        hook(info);
    }));
    enable_raw_mode()?;
    let mut out = io::stdout();
    // Bracketed paste: a pasted note arrives as one event, whole, instead of as keys
    // whose first line break would press Enter and save the rest away.
    execute!(out, EnterAlternateScreen, EnableBracketedPaste)?;
    if mouse {
        execute!(out, EnableMouseCapture)?;
    }
    let mut term = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    term.hide_cursor()?;
    term.clear()?;
    Ok(term)
}

/// Give the terminal back. Errors are ignored: after an SSH drop there is no terminal
/// to write to, and restoring must never turn a clean exit into a crash.
pub fn restore(mouse: bool) {
    let mut out = io::stdout();
    if mouse {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(
        out,
        DisableBracketedPaste,
        EndSynchronizedUpdate,
        LeaveAlternateScreen,
        Show
    );
    let _ = disable_raw_mode();
}

/// Draw one frame as a single synchronized update: the terminal shows it whole, and
/// only the cells that changed since the last frame are sent.
pub fn draw(term: &mut Term, app: &App) -> io::Result<()> {
    queue!(term.backend_mut(), BeginSynchronizedUpdate)?;
    term.draw(|f| crate::view::render(f, app))?;
    execute!(term.backend_mut(), EndSynchronizedUpdate)?;
    Ok(())
}

/// Put text on the clipboard of the terminal the user sits at, via OSC 52: it travels
/// through SSH (and tmux with `set-clipboard on`), where no local clipboard tool could.
pub fn copy_osc52(text: &str) {
    let seq = osc52(text);
    let mut out = io::stdout();
    let _ = out.write_all(seq.as_bytes());
    let _ = out.flush();
}

/// The OSC 52 sequence that sets the clipboard to `text`.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64(text.as_bytes()))
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(T[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(osc52("舟"), "\x1b]52;c;6Iif\x07");
    }
}
