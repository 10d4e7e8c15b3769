//! Secrets out of text on its way to a person or a file: passwords in URLs
//! (`scheme://user:***@host`), query and fragment values (`?token=***`) and
//! `password=***` in key=value connection strings.
//!
//! It reads the raw text, with no parser that can fail: a generated
//! password full of `/`, `#`, `?` or `@` (a URL parser's delimiters) is
//! masked all the same, and so is a URL a library quotes in its own
//! error. Where the text is ambiguous it masks too much rather than too
//! little (a path holding `@` loses what comes before it). Masking twice
//! changes nothing; text without `://` or `password=` comes back as it was.
//!
//! The limit: query and fragment keys are shown (`?token=***`), so a value
//! written with a raw `&` or `#` and then an `=` in it (`?token=ab&cd=ef`)
//! shows the piece between as a key. Such a value does not reach a server
//! whole anyway; percent-encoded (`%26`, `%23`) it is masked.

/// What a secret is shown as.
pub const MASK: &str = "***";

/// `text` with the secrets it shows in URLs and connection strings masked.
pub fn secrets(text: &str) -> String {
    if !text.contains("://") && !text.contains('=') {
        return text.to_string();
    }
    urls(&dsn_passwords(text))
}

/// Every `://` and what follows it up to the next whitespace masked. The
/// scheme is not looked at: whatever precedes `://`, what follows may
/// hold credentials.
fn urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        after_scheme(&tail[..end], &mut out);
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// One URL after its `://`, up to the next whitespace (quotes, brackets and
/// the rest of a script line included), with its secrets masked.
///
/// A password or a query value holding `@`, `/`, `?` or `#` makes the URL
/// read several ways: its user info may end at any `@`, or there may be
/// none. Whatever any reading holds secret is masked:
/// - up to the `@` is user info: the user name before a `:` stays, the rest
///   is masked (without a `:` all of it: a bare token is a credential);
/// - after the host (which ends at the first `/`, `?` or `#`), every query
///   and fragment value is masked.
///
/// The reading up to the last `@` always counts; the others only when
/// their host can be one (no `@`, a numeric port if any), so that a
/// password such as `ab?cd` does not hide the host after it.
fn after_scheme(token: &str, out: &mut String) {
    let mut secret = vec![false; token.len()];
    let last = token.rfind('@');
    let ends = std::iter::once(None).chain(token.match_indices('@').map(|(at, _)| Some(at)));
    for end in ends {
        let host_start = end.map_or(0, |at| at + 1);
        let host_end = token[host_start..]
            .find(['/', '?', '#'])
            .map_or(token.len(), |i| host_start + i);
        if end != last && !is_host(&token[host_start..host_end]) {
            continue;
        }
        if let Some(at) = end {
            let from = token[..at].find(':').map_or(0, |colon| colon + 1);
            secret[from..at].fill(true);
        }
        mark_values(token, host_end, &mut secret);
    }
    let mut at = 0;
    while at < token.len() {
        let masked = secret[at];
        let end = secret[at..]
            .iter()
            .position(|&s| s != masked)
            .map_or(token.len(), |n| at + n);
        out.push_str(if masked { MASK } else { &token[at..end] });
        at = end;
    }
}

/// Whether `host` can be a URL's host and port: no `@`, and after the name
/// (or the bracketed IPv6 address) nothing or a `:` and digits.
fn is_host(host: &str) -> bool {
    if host.contains('@') {
        return false;
    }
    let port = match host.strip_prefix('[') {
        Some(v6) => v6.split_once(']').map_or("?", |(_, port)| port),
        None => host.find(':').map_or("", |colon| &host[colon..]),
    };
    port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Marks the query and fragment values after `from` (where the host ends).
fn mark_values(token: &str, from: usize, secret: &mut [bool]) {
    let fragment = token[from..].find('#').map(|i| from + i);
    let query_end = fragment.unwrap_or(token.len());
    if let Some(q) = token[from..query_end].find('?') {
        mark_items(token, from + q + 1, query_end, secret);
    }
    if let Some(f) = fragment {
        mark_items(token, f + 1, token.len(), secret);
    }
}

/// Marks the values of the `a=1&b&c=` items in `token[start..end]`: what
/// follows each `=`, and all of an item without one.
fn mark_items(token: &str, start: usize, end: usize, secret: &mut [bool]) {
    let mut at = start;
    for item in token[start..end].split('&') {
        let value = item.find('=').map_or(0, |i| i + 1);
        secret[at + value..at + item.len()].fill(true);
        at += item.len() + 1;
    }
}

/// `password=VALUE` and `password = 'a value'`, in any case (PostgreSQL's
/// `host=db user=shop password=...`, `PGPASSWORD=...`), with the value
/// masked.
fn dsn_passwords(text: &str) -> String {
    const KEY: &str = "password";
    // ASCII lowercasing keeps every byte offset.
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = lower[from..].find(KEY) {
        from += found + KEY.len();
        let Some(start) = value_start(text, from) else {
            continue;
        };
        let end = value_end(text, start);
        if end == start {
            continue;
        }
        out.push_str(&text[copied..start]);
        out.push_str(MASK);
        copied = end;
        from = end;
    }
    out.push_str(&text[copied..]);
    out
}

/// Where the value begins when `text` goes on at `at` with `=` (whitespace
/// around it allowed, as libpq allows it).
fn value_start(text: &str, at: usize) -> Option<usize> {
    let value = text[at..].trim_start().strip_prefix('=')?.trim_start();
    Some(text.len() - value.len())
}

/// Where the value at `start` ends: at the first whitespace outside single
/// quotes (or the end of the text). A backslash keeps the next character
/// in the value, as libpq reads it; a quote anywhere opens or closes a
/// quoted part (more than libpq does: too much rather than too little).
fn value_end(text: &str, start: usize) -> usize {
    let mut quoted = false;
    let mut chars = text[start..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '\'' => quoted = !quoted,
            c if !quoted && c.is_whitespace() => return start + i,
            _ => {}
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::secrets;

    /// In every generated password: if any piece of one shows, this does.
    const MARK: &str = "Zq7";
    const SPECIALS: &str = r##"!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~"##;

    /// Passwords with every special character alone, in pairs, and all
    /// together, each piece between them marked.
    fn passwords() -> Vec<String> {
        let mut all = vec![format!("{MARK}a{SPECIALS}{MARK}b")];
        for a in SPECIALS.chars() {
            all.push(format!("{MARK}a{a}{MARK}b"));
            all.push(format!("{a}{MARK}a{a}"));
            for b in SPECIALS.chars() {
                all.push(format!("{MARK}a{a}{MARK}b{b}{MARK}c"));
            }
        }
        all
    }

    /// Texts that carry `password` the ways messages and script lines do.
    fn carriers(password: &str) -> Vec<String> {
        let escaped = password.replace('\\', "\\\\").replace('"', "\\\"");
        let mut urls = vec![
            format!("http://shop:{password}@127.0.0.1:1/health"),
            format!("https://shop:{password}@api.example.com/v1?x=1"),
            format!("redis://:{password}@127.0.0.1:6379/0"),
            format!("postgres://shop:{password}@127.0.0.1:5432/shop"),
        ];
        // A bare token: with a `:` in it, what precedes that is a user name.
        if !password.contains(':') {
            urls.push(format!("http://{password}@127.0.0.1:1/"));
        }
        // A query or fragment value: after a raw `&` or `#` and before an
        // `=` is a key, which is shown (see the module's limits).
        let key_like = password
            .find(['&', '#'])
            .is_some_and(|i| password[i..].contains('='));
        if !key_like {
            urls.push(format!("http://127.0.0.1:1/x?token={password}&b=2"));
            urls.push(format!("http://127.0.0.1:1/x#access_token={password}"));
            urls.push(format!("http://[::1]/x?token={password}"));
            urls.push(format!("http://[::1]:8080?token={password}"));
            urls.push(format!(
                "http://shop:{password}@127.0.0.1:1/x?token={password}"
            ));
        }
        let mut texts = vec![];
        for url in urls {
            texts.push(url.clone());
            texts.push(format!("GET {url}: invalid port number"));
            texts.push(format!("\"{url}\" is not a Prometheus URL"));
            texts.push(format!("error sending request for url ({url})"));
            texts.push(format!("{url:?}"));
            let script = url.replace(password, &escaped);
            texts.push(format!("    health::http(\"{script}\");"));
            texts.push(format!(
                "let r = health::redis(\"{script}\", #{{ timeout: \"1s\" }});"
            ));
        }
        let quoted = password.replace('\\', "\\\\").replace('\'', "\\'");
        texts.push(format!("host=db user=shop password={password} dbname=shop"));
        texts.push(format!("host=db user=shop password='{quoted}' dbname=shop"));
        texts.push(format!("host=db PASSWORD = {password}"));
        texts.push(format!(
            "health::postgres(\"host=db user=shop password={escaped} dbname=shop\");"
        ));
        texts
    }

    #[test]
    fn no_piece_of_any_generated_password_shows() {
        for password in passwords() {
            for text in carriers(&password) {
                let shown = secrets(&text);
                assert!(
                    !shown.contains(MARK),
                    "{password:?} shows in\n{text}\n→ {shown}"
                );
                assert_eq!(secrets(&shown), shown, "masking twice changed {text}");
            }
        }
    }

    #[test]
    fn user_names_hosts_and_paths_stay() {
        let cases = [
            (
                "GET http://shop:Ab/cd#Secr3t@127.0.0.1:1/: invalid port number",
                "GET http://shop:***@127.0.0.1:1/: invalid port number",
            ),
            (
                "redis://:hunter2@127.0.0.1:6379/0",
                "redis://:***@127.0.0.1:6379/0",
            ),
            (
                "https://ghp_token@github.com/o/r",
                "https://***@github.com/o/r",
            ),
            (
                "(postgres://shop:p@ss@db:5432/shop)",
                "(postgres://shop:***@db:5432/shop)",
            ),
            (
                "http://h/x?a=1&b&c=&d=4#k=v",
                "http://h/x?a=***&***&c=&d=***#k=***",
            ),
            ("http://h/docs#intro", "http://h/docs#***"),
            (
                r#"health::http("http://u:PASS@h:1/x");"#,
                r#"health::http("http://u:***@h:1/x");"#,
            ),
            (
                "host=db user=shop password='a b\\'c' dbname=shop",
                "host=db user=shop password=*** dbname=shop",
            ),
            ("PGPASSWORD=s3cret psql", "PGPASSWORD=*** psql"),
            // Over-masking, never a leak: a path holding `@`.
            (
                "see https://example.com/a:b@c",
                "see https://example.com/a:***@c",
            ),
            // `?` in a password does not hide the host; `@` in a query value
            // does not show what follows it.
            ("http://shop:ab?cd@db:1/", "http://shop:***@db:1/"),
            ("http://db:1/x?token=ab@cd", "http://db:***"),
        ];
        for (text, want) in cases {
            assert_eq!(secrets(text), want, "{text}");
        }
    }

    #[test]
    fn text_without_urls_is_unchanged() {
        for text in [
            "",
            "deployment/web rolled out in 12s",
            "expected status 200, got 503; body: ok=false",
            "a password is needed: check the Secret",
            "sum(rate(http_requests_total{code=~\"5..\"}[5m]))",
            "tcp 127.0.0.1:6379: connection refused",
            "http://a/health",
            "https://prometheus.monitoring:9090/api/v1/query",
            "héllo wörld → ✓ password",
        ] {
            assert_eq!(secrets(text), text);
        }
    }
}
