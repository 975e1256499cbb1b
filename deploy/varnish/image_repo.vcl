# Varnish 7 in front of the nginx cluster site (deploy/nginx/image_repo_cluster.conf), SPEC 13.
# Needs the xkey vmod (Debian: varnish-modules). Run it with
#   varnishd -a :6081 -f /etc/varnish/image_repo.vcl -s malloc,1g
# and point every node at it: `edge.purge_urls: ["http://<this host>:6081/"]`. Varnish's default
# header limits (http_resp_hdr_len 8k a line, http_resp_size 32k in all) hold the app's three
# key headers, which stay under 6 KiB each (a selection with more keys is not cacheable).
#
# Why it stays coherent: every image answer carries `xkey: <name> <folder/> ...`; xkey files the
# cached object under each key. After a PUT, DELETE or restore of a name the node sends
# `PURGE /` with `xkey-purge: <name> list:<folder/> ...`, which drops every size, format and
# `v=` URL of that name (and the listings that held it) at once, and nothing else.
vcl 4.1;

import xkey;

backend nginx {
    .host = "127.0.0.1";
    .port = "80";
    .connect_timeout = 5s;
    # A cold derivation of a large original can take seconds; nginx allows a node 120 s.
    .first_byte_timeout = 120s;
    .between_bytes_timeout = 120s;
}

# Who may purge: the image_repo nodes, as Varnish sees their address (client.ip, never a header
# a client could forge). Add each node's address here when the nodes run on other hosts, e.g.
#     "10.0.0.11";
#     "10.0.0.0"/24;
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "No xkey-purge header"));
        }
        # Hard purge: a soft one would keep the old bytes servable through grace.
        return (synth(200, "Purged " + xkey.purge(req.http.xkey-purge)));
    }
    # Writes go to the app as they come, bodies streamed (uploads of 50 MiB and more); `pass`
    # rather than `pipe` so the client's connection stays with Varnish for its next request.
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Everything else: Varnish's built-in vcl_recv (GET/HEAD hashed on URL and Host; requests
    # with Authorization or Cookie passed).
}

sub vcl_backend_response {
    # Only answers filed under surrogate keys can ever be purged: a keyless answer (a 404, an
    # error, /metrics) cached here would outlive the upload that changes it, so it is fetched
    # afresh each time (hit-for-miss: a later keyed answer for the URL is cached as usual).
    if (!beresp.http.xkey) {
        set beresp.uncacheable = true;
        set beresp.ttl = 10s;
        return (deliver);
    }
    # Keyed answers: the built-in rules follow, so `Cache-Control: private`/`no-store` (a
    # selection too large to carry its keys) is not cached, `max-age` sets the TTL, and
    # `Vary: Accept` keeps negotiated formats apart.
}

sub vcl_deliver {
    # For tests and debugging; every header of the app (xkey, Surrogate-Key, Cache-Tag for a CDN
    # in front of this one, Vary, ETag) goes to the client unchanged.
    if (obj.uncacheable) {
        set resp.http.X-Cache-Edge = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache-Edge = "HIT";
    } else {
        set resp.http.X-Cache-Edge = "MISS";
    }
}

sub vcl_synth {
    # A purger reads the status; the count is for people (`Purged 3`), in plain text.
    if (req.method == "PURGE") {
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.body = resp.reason + {"
"};
        return (deliver);
    }
}
