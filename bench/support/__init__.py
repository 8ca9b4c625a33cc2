"""What the benchmark scripts share: a KoopFlow on a temporary database, and figures."""
