"""The edge in front of the servers: CDN and Varnish purges."""
