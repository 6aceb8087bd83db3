// How far V8 lets a heap grow past what survived its last full collection. Left to itself it
// allows up to four times that, which suits a busy server with a large live heap; ours has a
// small one (tens of megabytes) and bursts of short-lived objects (an import, a broadcast being
// planned), in which the heap of each thread swelled to several times what was live: an import
// of 100,000 rows peaked at 410 MB. 20 % over what is live keeps it under 300 MB, at the same
// speed (bench/: import_csv_100k). Flags are per process, so this covers every thread started
// after it; the entries (main, cli, the bench) import this module before anything else.

import { setFlagsFromString } from "node:v8";

setFlagsFromString("--heap-growing-percent=20");
