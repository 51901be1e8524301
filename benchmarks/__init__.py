"""`make bench`: the platform's throughput and latency, each next to a raw-client baseline
measured in the same run on the same servers. See README.md for what each figure means."""
