package dev.parley.support;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;

import static dev.parley.support.TestServer.await;

/** Blocking one-liners over the test server's real HTTP client, for readable tests. */
public final class Http {

  private final TestServer server;
  private final String authorization;

  private Http(TestServer server, String authorization) {
    this.server = server;
    this.authorization = authorization;
  }

  public static Http as(TestServer server, String user) {
    return new Http(server, server.bearer(user));
  }

  public static Http withAuthorization(TestServer server, String authorization) {
    return new Http(server, authorization);
  }

  public HttpResponse<Buffer> get(String path) {
    return await(request(HttpMethod.GET, path).send());
  }

  public HttpResponse<Buffer> delete(String path) {
    return await(request(HttpMethod.DELETE, path).send());
  }

  public HttpResponse<Buffer> post(String path, JsonObject body) {
    return await(request(HttpMethod.POST, path).sendJsonObject(body));
  }

  public HttpResponse<Buffer> post(String path, JsonObject body, String idempotencyKey) {
    return await(request(HttpMethod.POST, path).putHeader("Idempotency-Key", idempotencyKey).sendJsonObject(body));
  }

  public HttpResponse<Buffer> patch(String path, JsonObject body) {
    return await(request(HttpMethod.PATCH, path).sendJsonObject(body));
  }

  /** Sends raw bytes as application/json, for bodies a JsonObject cannot express. */
  public HttpResponse<Buffer> postRaw(String path, String json) {
    return await(request(HttpMethod.POST, path).putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer(json)));
  }

  public HttpRequest<Buffer> request(HttpMethod method, String path) {
    HttpRequest<Buffer> request = server.client().request(method, path);
    if (authorization != null) {
      request.putHeader("Authorization", authorization);
    }
    return request;
  }

  /** Creates a conversation and returns its id. */
  public String newConversation(JsonObject body) {
    HttpResponse<Buffer> response = post("/v1/conversations", body);
    if (response.statusCode() != 201) {
      throw new AssertionError("create failed: " + response.statusCode() + " " + response.bodyAsString());
    }
    return response.bodyAsJsonObject().getString("id");
  }

  public String newConversation() {
    return newConversation(new JsonObject());
  }
}
