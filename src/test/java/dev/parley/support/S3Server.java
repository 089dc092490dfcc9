package dev.parley.support;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real S3-compatible server in the test JVM: s3proxy over an in-memory blob store, on a free port
 * of 127.0.0.1, with AWS v2/v4 authentication and one bucket.
 */
public final class S3Server implements AutoCloseable {

  public static final String BUCKET = "parley-archive";
  public static final String ACCESS_KEY = "test-access-key";
  public static final String SECRET_KEY = "test-secret-key-0123456789";

  private final BlobStoreContext context;
  private final S3Proxy proxy;
  private final int port;

  private S3Server(BlobStoreContext context, S3Proxy proxy, int port) {
    this.context = context;
    this.proxy = proxy;
    this.port = port;
  }

  public static S3Server start() {
    BlobStoreContext context = ContextBuilder.newBuilder("transient").credentials("identity", "credential")
        .build(BlobStoreContext.class);
    int port = TestServices.freePort();
    S3Proxy proxy = S3Proxy.builder().blobStore(context.getBlobStore())
        .endpoint(URI.create("http://127.0.0.1:" + port))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
        .build();
    try {
      proxy.start();
      long deadline = System.currentTimeMillis() + 30_000;
      while (!"STARTED".equals(proxy.getState())) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
        }
        Thread.sleep(10);
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    context.getBlobStore().createContainerInLocation(null, BUCKET);
    return new S3Server(context, proxy, port);
  }

  public int port() {
    return port;
  }

  /** The settings that point Parley's archive at {@code endpoint} (this server, or a proxy in front of it). */
  public static Map<String, String> env(String endpoint) {
    return Map.of("PARLEY_ARCHIVE_ENDPOINT", endpoint, "PARLEY_ARCHIVE_BUCKET", BUCKET,
        "PARLEY_ARCHIVE_ACCESS_KEY", ACCESS_KEY, "PARLEY_ARCHIVE_SECRET_KEY", SECRET_KEY,
        "PARLEY_ARCHIVE_REGION", "us-east-1");
  }

  public Map<String, String> env() {
    return env("http://127.0.0.1:" + port);
  }

  /** Every object key in the bucket. */
  public List<String> keys() {
    List<String> keys = new ArrayList<>();
    BlobStore store = context.getBlobStore();
    for (StorageMetadata m : store.list(BUCKET, ListContainerOptions.Builder.recursive())) {
      if (m.getName() != null && !m.getName().endsWith("/")) {
        keys.add(m.getName());
      }
    }
    return keys;
  }

  /** The bytes of one object. */
  public byte[] object(String key) {
    Blob blob = context.getBlobStore().getBlob(BUCKET, key);
    try (InputStream in = blob.getPayload().openStream()) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      // stopping a test server
    }
    context.close();
  }
}
