import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { type ClusteringOptions, clusterCatalogue, type PointMatrix } from '../utils/kmeans';

// Worker-thread entry: the k search and the final fit run here, so a rebuild of a large catalogue never
// holds the server's event loop. Input and output are plain typed arrays (structured clone).

const { points, options } = workerData as { points: PointMatrix; options: ClusteringOptions };
// A rebuild is heavy work: this thread yields the CPU to request handling (nice 19, as the heavy-work pool
// at `low`; on Linux, priority 0 names the calling thread). Refused or unsupported: it runs as it is.
try {
  setPriority(0, 19);
} catch {}
parentPort?.postMessage(clusterCatalogue(points, options));
