import { parentPort, workerData } from 'node:worker_threads';
import { type ClusteringOptions, clusterCatalogue, type PointMatrix } from '../utils/kmeans';

// Worker-thread entry: the k search and the final fit run here, so a rebuild of a large catalogue never
// holds the server's event loop. Input and output are plain typed arrays (structured clone).

const { points, options } = workerData as { points: PointMatrix; options: ClusteringOptions };
parentPort?.postMessage(clusterCatalogue(points, options));
