package dev.parley.archive;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Objects as files under one directory. A put writes a temporary file, forces it to disk and
 * renames it into place, so a reader never sees half an object and a crash leaves either the old
 * object or the new one.
 */
final class LocalObjectStore implements ObjectStore {

  private final Vertx vertx;
  private final Path root;

  LocalObjectStore(Vertx vertx, Path root) {
    this.vertx = vertx;
    this.root = root.toAbsolutePath().normalize();
  }

  private Path file(String key) {
    Path file = root.resolve(key).normalize();
    if (!file.startsWith(root)) {
      throw new IllegalArgumentException("An object key must stay inside the archive directory");
    }
    return file;
  }

  @Override
  public Future<Void> put(String key, Buffer bytes) {
    return vertx.executeBlocking(() -> {
      Path file = file(key);
      Files.createDirectories(file.getParent());
      Path temporary = file.resolveSibling(file.getFileName() + "." + UUID.randomUUID() + ".tmp");
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        channel.write(java.nio.ByteBuffer.wrap(bytes.getBytes()));
        channel.force(true);
      }
      Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return null;
    }, false);
  }

  @Override
  public Future<Buffer> get(String key) {
    return vertx.executeBlocking(() -> {
      try {
        return Buffer.buffer(Files.readAllBytes(file(key)));
      } catch (NoSuchFileException e) {
        throw new NoSuchObject(key);
      }
    }, false);
  }

  @Override
  public Future<Void> delete(String key) {
    return vertx.executeBlocking(() -> {
      try {
        Files.deleteIfExists(file(key));
      } catch (IOException e) {
        throw new IOException("Cannot delete an archived object", e);
      }
      return null;
    }, false);
  }

  @Override
  public String describe() {
    return root.toUri().toString();
  }

  @Override
  public void close() {
  }
}
