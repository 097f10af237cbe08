//! The vector section of a segment: distance kernels, k-means, IVF with
//! RaBitQ codes and a rerank copy, exact and approximate search.
