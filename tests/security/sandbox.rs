//! A playbook runs no program and writes or reads no file beyond what its
//! primitives promise: programs come from orion.toml or PATH, files stay
//! under the playbook's directory (or what orion.toml allows), what goes
//! into nginx's or HAProxy's configuration is names and addresses only, and
//! what a program says reaches the operator's log, never a script's value.

use crate::support::servers::{free_port, Nginx};
use crate::support::Test;

#[test]
fn a_playbook_cannot_name_a_program_for_orion_to_run() {
    // The trial: nginx's `binary` was a shell, `conf` its script.
    let t = Test::new().playbook(
        r#"try {
            let r = traffic::nginx(#{ binary: "/bin/sh",
                conf: "touch PWNED; echo PWNED-uid=$(id -u) >&2; head -c 120 /etc/passwd >&2; exit 1",
                upstream_file: "up.conf", upstream: "web", servers: #{ a: "127.0.0.1:1" } });
            r.set_weights(#{ a: 1 });
        } catch (e) { info(`caught: ${e}`); }
        traffic::nginx(#{ binary: "/bin/sh", conf: "x", upstream_file: "up.conf", upstream: "web", servers: #{ a: "127.0.0.1:1" } });"#,
    );
    let dir = t.path().to_path_buf();
    let out = t.args(["play", "playbook.rhai"]).run().status(2);
    assert!(
        out.stderr.contains(
            "caught: traffic::nginx takes no binary: a playbook never names a program to run"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("error: traffic::nginx takes no binary")
            && out
                .stderr
                .contains("hint: orion runs the nginx of orion.toml's [programs]"),
        "{}",
        out.stderr
    );
    for leak in ["PWNED", "root:x:0"] {
        assert!(!out.stderr.contains(leak), "{leak}: {}", out.stderr);
    }
    assert!(!dir.join("PWNED").exists(), "the shell ran");
}

#[test]
fn what_nginx_says_goes_to_the_log_never_into_the_script() {
    // nginx pointed at a file that is not its configuration quotes it:
    // the operator's log may show that, the error a script can read may not.
    let t = Test::new()
        .file("secret.txt", "TOPSECRET-line-one;\n")
        .playbook(
            r#"try {
                traffic::nginx(#{ conf: "secret.txt", upstream_file: "up.conf", upstream: "web",
                                  servers: #{ a: "127.0.0.1:1" } }).set_weights(#{ a: 1 });
            } catch (e) {
                if `${e}`.contains("TOPSECRET") { fail("the error a script sees quotes nginx"); }
                info(`caught: ${e}`);
            }"#,
        );
    let out = t.args(["play", "playbook.rhai"]).run().status(0);
    assert!(
        out.stderr.contains("caught: nginx -t refused the configuration, so nginx keeps serving its current configuration (the file is back as it was)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("nginx -t refused the configuration; it said:"),
        "the operator sees why: {}",
        out.stderr
    );
}

#[test]
fn files_orion_writes_stay_where_orion_toml_allows() {
    let outside = tempfile::tempdir().unwrap();
    let o = outside.path().display().to_string();
    let t = Test::new().file("conf/nginx.conf", "events {}\n");
    std::os::unix::fs::symlink(outside.path().join("x.sh"), t.path().join("link.conf")).unwrap();
    let cases = [
        (format!("{o}/x.sh"), "refusing to write"),
        ("../x.sh".to_string(), "refusing to write"),
        ("link.conf".to_string(), "symbolic link"),
        (".orion/journal/x.jsonl".to_string(), "orion's or git's own"),
        ("orion.toml".to_string(), "orion's or git's own"),
    ];
    let mut script = String::new();
    for (path, _) in &cases {
        script.push_str(&format!(
            r#"try {{ traffic::nginx(#{{ conf: "conf/nginx.conf", upstream_file: "{path}", upstream: "web", servers: #{{ a: "127.0.0.1:1" }} }}); info("accepted {path}"); }}
               catch (e) {{ info(`refused: ${{e}}`); }}
               try {{ traffic::haproxy(#{{ socket: "/nonexistent.sock", backend: "web", state_file: "{path}" }}); info("accepted {path}"); }}
               catch (e) {{ info(`refused: ${{e}}`); }}
            "#
        ));
    }
    let dir = t.path().to_path_buf();
    let out = t
        .playbook(&script)
        .args(["play", "playbook.rhai"])
        .run()
        .status(0);
    assert!(!out.stderr.contains("accepted"), "{}", out.stderr);
    for (path, why) in &cases {
        let refused = out
            .stderr
            .lines()
            .filter(|l| l.contains("refused: ") && l.contains(why))
            .count();
        assert!(refused >= 2, "{path} ({why}): {}", out.stderr);
    }
    assert!(std::fs::read_dir(outside.path()).unwrap().next().is_none());

    // With write_paths (and read_paths) for the environment, it may.
    let allowed = Test::new()
        .file(
            "orion.toml",
            &format!("[environments.lb]\nwrite_paths = [\"{o}\"]\nread_paths = [\"{o}\"]\n"),
        )
        .file("conf/nginx.conf", "events {}\n")
        .playbook(&format!(
            r#"traffic::nginx(#{{ conf: "conf/nginx.conf", upstream_file: "{o}/up.conf", upstream: "web", servers: #{{ a: "127.0.0.1:1" }} }});
               traffic::haproxy(#{{ socket: "/nonexistent.sock", backend: "web", state_file: "{o}/state" }});
               info("both accepted");"#
        ))
        .args(["play", "playbook.rhai", "--env", "lb"])
        .run();
    assert!(
        allowed.stderr.contains("both accepted"),
        "{}",
        allowed.stderr
    );
    assert!(!dir.join("x.sh").exists());
}

#[test]
fn only_names_and_addresses_reach_nginx_and_haproxy() {
    let t = Test::new().file("nginx.conf", "events {}\n").playbook(
        r#"
        let bad = [
            #{ upstream: "web {\n}\nserver { listen 9999; }\nupstream x", servers: #{ a: "127.0.0.1:1" } },
            #{ upstream: "web", servers: #{ a: "127.0.0.1:1;\n}\ninclude /etc/passwd;\nupstream y {" } },
            #{ upstream: "web", servers: #{ "a; down\n}": "127.0.0.1:1" } },
            #{ upstream: "web", servers: #{ a: "unix:/run/docker.sock" } },
        ];
        for b in bad {
            try {
                traffic::nginx(#{ conf: "nginx.conf", upstream_file: "up.conf", upstream: b.upstream, servers: b.servers });
                info("accepted");
            } catch (e) { info(`refused: ${e}`); }
        }
        try { traffic::haproxy(#{ socket: "/nonexistent.sock", backend: "web\nshutdown frontend fe" }); info("accepted"); }
        catch (e) { info(`refused: ${e}`); }
        "#,
    );
    let dir = t.path().to_path_buf();
    let out = t.args(["play", "playbook.rhai"]).run().status(0);
    assert!(!out.stderr.contains("accepted"), "{}", out.stderr);
    assert_eq!(out.stderr.matches("refused: ").count(), 5, "{}", out.stderr);
    assert!(out
        .stderr
        .contains("is not a name nginx's configuration can hold"));
    assert!(out.stderr.contains("is not HOST:PORT"));
    assert!(out.stderr.contains("is not a HAProxy name"));
    assert!(!dir.join("up.conf").exists(), "nothing was rendered");
}

#[test]
fn an_nginx_router_still_works_inside_what_orion_toml_allows() {
    // The real thing behind the guard: orion.toml allows nginx's directory.
    let backend = free_port();
    let nginx = Nginx::start(&format!("upstream web {{ server 127.0.0.1:{backend}; }}\n"));
    let d = nginx.dir.path().display().to_string();
    let out = Test::new()
        .file(
            "orion.toml",
            &format!("[environments.edge]\nwrite_paths = [\"{d}/upstream.conf\"]\nread_paths = [\"{d}\"]\n"),
        )
        .playbook(&format!(
            r#"let r = traffic::nginx(#{{ upstream_file: "{d}/upstream.conf", upstream: "web", conf: "{d}/nginx.conf",
                   prefix: "{d}", pid_file: "{d}/nginx.pid", servers: #{{ a: "127.0.0.1:{backend}", b: "127.0.0.1:{}" }} }});
               info(`${{r.set_weights(#{{ a: 3, b: 1 }})}}`);"#,
            free_port()
        ))
        .args(["play", "playbook.rhai", "--env", "edge"])
        .run()
        .status(0);
    assert!(out.stderr.contains("\"a\": 3"), "{}", out.stderr);
    let written = std::fs::read_to_string(nginx.dir.path().join("upstream.conf")).unwrap();
    assert!(written.contains("weight=3; # a"), "{written}");
}

#[test]
fn reads_are_confined_like_imports() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("s.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {k: v}\n",
    )
    .unwrap();
    std::fs::write(outside.path().join("ca.pem"), "not a certificate").unwrap();
    let o = outside.path().display().to_string();
    let t = Test::new().file(
        "manifests/ok.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    );
    std::os::unix::fs::symlink(
        outside.path().join("s.yaml"),
        t.path().join("manifests/link.yaml"),
    )
    .unwrap();
    let script = format!(
        r#"
        let tries = [
            || k8s::manifests("/etc/passwd"),
            || k8s::manifests("{o}/s.yaml"),
            || k8s::manifests("../../../../../../etc/passwd"),
            || k8s::manifests("manifests"),
            || k8s::kustomize("/etc"),
            || secrets::assert_no_placeholders("/etc/shadow"),
            || secrets::assert_no_placeholders("{o}/s.yaml"),
            || health::http("https://127.0.0.1:1/", #{{ ca_file: "{o}/ca.pem" }}),
        ];
        for f in tries {{
            try {{ f.call(); info("accepted"); }} catch (e) {{ info(`refused: ${{e}}`); }}
        }}
        info(`${{k8s::manifests("manifests/ok.yaml").len()}} object beside the playbook`);
        "#
    );
    let out = t
        .playbook(&script)
        .args(["play", "playbook.rhai"])
        .run()
        .status(0);
    assert!(!out.stderr.contains("accepted"), "{}", out.stderr);
    assert_eq!(out.stderr.matches("refused: ").count(), 8, "{}", out.stderr);
    // The symbolic link inside the manifests directory is named.
    assert!(out.stderr.contains("link.yaml"), "{}", out.stderr);
    assert!(
        out.stderr.contains("1 object beside the playbook"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("root:x:0"), "{}", out.stderr);

    // read_paths lets them in.
    let allowed = Test::new()
        .file("orion.toml", &format!("[environments.ci]\nread_paths = [\"{o}\"]\n"))
        .playbook(&format!(
            r#"info(`${{k8s::manifests("{o}/s.yaml").len()}} read; ${{secrets::assert_no_placeholders("{o}/s.yaml")}} checked`);"#
        ))
        .args(["play", "playbook.rhai", "--env", "ci"])
        .run()
        .status(0);
    assert!(
        allowed.stderr.contains("1 read; 1 checked"),
        "{}",
        allowed.stderr
    );
}

#[test]
fn imports_cannot_leave_the_playbook_directory() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("evil.rhai"), "export const X = 1;").unwrap();
    let o = outside.path().display().to_string();
    let absolute = format!("{o}/evil");
    for (import, why) in [
        ("../evil", "climbs out"),
        ("lib/../../evil", "climbs out"),
        (absolute.as_str(), "absolute path"),
        ("~/evil", "absolute path"),
        ("lib/link", "through a symbolic link"),
        ("\u{ff0e}\u{ff0e}/evil", "cannot read module"),
        ("lib/ok\\x00.rhai", "cannot read module"),
    ] {
        let t = Test::new()
            .file(
                "playbook.rhai",
                &format!("import \"{import}\" as m;\ninfo(`${{m::X}}`);"),
            )
            .file("lib/ok.rhai", "export const X = 1;");
        std::os::unix::fs::symlink(
            outside.path().join("evil.rhai"),
            t.path().join("lib/link.rhai"),
        )
        .unwrap();
        let out = t.args(["play", "playbook.rhai"]).run();
        assert_eq!(out.status, 1, "{import}: {}", out.stderr);
        assert!(out.stderr.contains(why), "{import}: {}", out.stderr);
    }
}
