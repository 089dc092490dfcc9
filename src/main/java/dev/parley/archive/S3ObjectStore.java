package dev.parley.archive;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import java.net.URI;
import java.time.Duration;

/** Objects in an S3-compatible bucket, through the AWS SDK v2 on worker threads. */
final class S3ObjectStore implements ObjectStore {

  private final Vertx vertx;
  private final S3Client s3;
  private final String bucket;
  private final String prefix;
  private final String endpoint;

  S3ObjectStore(Vertx vertx, JsonObject archive) {
    this.vertx = vertx;
    this.bucket = archive.getString("bucket");
    this.prefix = archive.getString("prefix", "");
    this.endpoint = archive.getString("endpoint", "");
    S3ClientBuilder builder = S3Client.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder()
            .connectionTimeout(Duration.ofMillis(archive.getLong("timeout_ms", 30_000L)))
            .socketTimeout(Duration.ofMillis(archive.getLong("timeout_ms", 30_000L))))
        .region(Region.of(archive.getString("region", "us-east-1")))
        .forcePathStyle(archive.getBoolean("path_style", true))
        // Integrity is checked end to end by Parley (a SHA-256 of every object); self-hosted stores
        // differ in which of the SDK's newer checksum headers they take.
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    String accessKey = archive.getString("access_key", "");
    builder.credentialsProvider(accessKey.isEmpty() ? DefaultCredentialsProvider.builder().build()
        : StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, archive.getString("secret_key", ""))));
    if (!endpoint.isEmpty()) {
      builder.endpointOverride(URI.create(endpoint));
    }
    this.s3 = builder.build();
  }

  @Override
  public Future<Void> put(String key, Buffer bytes) {
    return vertx.executeBlocking(() -> {
      s3.putObject(PutObjectRequest.builder().bucket(bucket).key(prefix + key).contentType("application/gzip").build(),
          RequestBody.fromBytes(bytes.getBytes()));
      return null;
    }, false);
  }

  @Override
  public Future<Buffer> get(String key) {
    return vertx.executeBlocking(() -> {
      try {
        return Buffer.buffer(s3.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(prefix + key).build())
            .asByteArray());
      } catch (NoSuchKeyException e) {
        throw new NoSuchObject(key);
      }
    }, false);
  }

  @Override
  public Future<Void> delete(String key) {
    return vertx.executeBlocking(() -> {
      s3.deleteObject(DeleteObjectRequest.builder().bucket(bucket).key(prefix + key).build());
      return null;
    }, false);
  }

  @Override
  public String describe() {
    return "s3://" + bucket + "/" + prefix + (endpoint.isEmpty() ? "" : " at " + endpoint);
  }

  @Override
  public void close() {
    s3.close();
  }
}
