//! A SPDY session driven as kubectl drives it, on an in-memory connection.

use super::*;
use serde_json::json;

#[tokio::test]
async fn streams_are_answered_pings_echoed_and_a_refused_port_reported_on_the_error_stream() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let pod = json!({
        "metadata": {"uid": "u"},
        "spec": {"containers": [{"name": "app", "image": "web:1"}]},
        "status": {"podIP": "127.0.0.1"},
    });
    let (client, server) = tokio::io::duplex(64 * 1024);
    tokio::spawn(serve(server, Arc::new(PodTarget::new(pod, Arc::default()))));
    let (mut from_server, mut to_server) = tokio::io::split(client);
    let mut deflater = Deflater::new();
    let port = port.to_string();
    let open = |id: u32, kind: &str| Frame::SynStream {
        id,
        flags: 0,
        headers: Headers::of(&[("streamtype", kind), ("port", &port), ("requestid", "0")]),
    };
    let fin = |id: u32| Frame::Data {
        id,
        flags: FLAG_FIN,
        data: vec![],
    };
    for f in [
        open(1, "error"),
        fin(1),
        open(3, "data"),
        Frame::Ping { id: 1 },
    ] {
        to_server
            .write_all(&frame::encode(&f, &mut deflater))
            .await
            .unwrap();
    }
    let mut inflater = Inflater::new();
    let (mut replies, mut pinged, mut error, mut finished) = (vec![], false, Vec::new(), vec![]);
    while finished.len() < 2 {
        let f = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            frame::read(&mut from_server, &mut inflater),
        )
        .await
        .expect("the server goes on")
        .unwrap()
        .expect("a frame");
        match f {
            Frame::SynReply { id, .. } => replies.push(id),
            Frame::Ping { id } => pinged = id == 1,
            Frame::Data { id, flags, data } => {
                if id == 1 {
                    error.extend(data);
                }
                if flags & FLAG_FIN != 0 {
                    finished.push(id);
                }
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(replies, [1, 3]);
    assert!(pinged, "the ping came back");
    finished.sort();
    assert_eq!(finished, [1, 3]);
    let error = String::from_utf8(error).unwrap();
    assert!(
        error.contains(&format!(
            "dial tcp4 127.0.0.1:{port}: connect: connection refused"
        )),
        "{error}"
    );
}
