//! A TCP proxy in front of a cluster's API server that the test can make
//! stop answering: after `freeze()`, connections (open or new) are held
//! open and nothing more passes — an API server that hangs.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub struct ApiProxy {
    frozen: Arc<AtomicBool>,
    /// A kubeconfig like the cluster's, its server this proxy.
    pub kubeconfig: PathBuf,
}

impl ApiProxy {
    /// A proxy to the server of `kubeconfig`, with its own kubeconfig in `dir`.
    pub fn start(kubeconfig: &Path, dir: &Path) -> ApiProxy {
        let text = std::fs::read_to_string(kubeconfig).unwrap();
        let mut config: serde_json::Value = serde_json::from_str(&text).unwrap();
        let server = config["clusters"][0]["cluster"]["server"]
            .as_str()
            .expect("a server in the kubeconfig")
            .to_string();
        let upstream = server
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let here = format!("http://{}", listener.local_addr().unwrap());
        let proxied = dir.join("proxied-kubeconfig");
        config["clusters"][0]["cluster"]["server"] = serde_json::Value::String(here);
        std::fs::write(&proxied, config.to_string()).unwrap();
        let frozen = Arc::new(AtomicBool::new(false));
        let f = frozen.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (f, upstream) = (f.clone(), upstream.clone());
                std::thread::spawn(move || {
                    let Ok(server) = TcpStream::connect(&upstream) else {
                        return;
                    };
                    let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                    let f2 = f.clone();
                    std::thread::spawn(move || pipe(c2, s2, &f2));
                    pipe(server, client, &f);
                });
            }
        });
        ApiProxy {
            frozen,
            kubeconfig: proxied,
        }
    }

    /// From now on nothing passes; connections stay open.
    pub fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
    }
}

/// Copies `from` to `to` until either closes; once frozen, holds both open
/// and passes nothing.
fn pipe(mut from: TcpStream, mut to: TcpStream, frozen: &AtomicBool) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        if frozen.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_secs(3600));
            return;
        }
        let _ = from.set_read_timeout(Some(Duration::from_millis(100)));
        match from.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                if frozen.load(Ordering::SeqCst) || to.write_all(&buf[..n]).is_err() {
                    continue;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return,
        }
    }
}
