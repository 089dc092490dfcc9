package dev.parley.archive;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;

/**
 * Where cold conversations live: an S3-compatible object store (AWS SDK v2; endpoint, bucket,
 * region and credentials from {@code archive.*}, path-style for self-hosted stores), or, with no
 * bucket configured, a directory under the data directory, so zero set-up still works. Every call
 * blocks a worker thread, never an event loop.
 */
public interface ObjectStore {

  /** Stores {@code bytes} under {@code key}, replacing what was there. */
  Future<Void> put(String key, Buffer bytes);

  /** The bytes under {@code key}; fails with {@link NoSuchObject} when there are none. */
  Future<Buffer> get(String key);

  /** Removes {@code key}; removing what is not there succeeds. */
  Future<Void> delete(String key);

  /** Where the objects go, for logs (no credentials). */
  String describe();

  /** Releases the client. */
  void close();

  /** No object under that key. */
  final class NoSuchObject extends RuntimeException {
    public NoSuchObject(String key) {
      super("No archived object " + key, null, false, false);
    }
  }

  /** The store of this configuration: S3 when archive.bucket is set, else data_dir/archive. */
  static ObjectStore create(Vertx vertx, JsonObject config) {
    JsonObject archive = config.getJsonObject("archive");
    String bucket = archive.getString("bucket", "");
    if (bucket.isEmpty()) {
      return new LocalObjectStore(vertx, Path.of(config.getString("data_dir")).resolve("archive"));
    }
    return new S3ObjectStore(vertx, archive);
  }
}
