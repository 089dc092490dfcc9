package dev.parley.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.OutputStreamAppender;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Captures every log event of the process, rendered by the configured production encoder (the
 * "json" appender of conf/logback.xml), so tests see exactly the lines that would be written.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  private final List<ILoggingEvent> events = new ArrayList<>();
  private final List<String> lines = new ArrayList<>();
  private final Encoder<ILoggingEvent> encoder;

  @SuppressWarnings("unchecked")
  public LogCapture() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.classic.AsyncAppender async = (ch.qos.logback.classic.AsyncAppender) root.getAppender("async");
    encoder = ((OutputStreamAppender<ILoggingEvent>) async.getAppender("json")).getEncoder();
    setContext(context);
    start();
    root.addAppender(this);
  }

  @Override
  protected synchronized void append(ILoggingEvent event) {
    event.prepareForDeferredProcessing();
    events.add(event);
    lines.add(new String(encoder.encode(event), StandardCharsets.UTF_8) + raw(event));
  }

  /** Everything an event carries besides its encoded form, unmasked: message, key-values, throwable. */
  private static String raw(ILoggingEvent event) {
    StringBuilder all = new StringBuilder(" ").append(event.getFormattedMessage());
    if (event.getKeyValuePairs() != null) {
      for (KeyValuePair kv : event.getKeyValuePairs()) {
        all.append(' ').append(kv.key).append('=').append(kv.value);
      }
    }
    for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
      all.append(' ').append(t.getClassName()).append(": ").append(t.getMessage());
    }
    return all.toString();
  }

  public synchronized List<String> lines() {
    return new ArrayList<>(lines);
  }

  public synchronized List<ILoggingEvent> events() {
    return new ArrayList<>(events);
  }

  public String encode(ILoggingEvent event) {
    return new String(encoder.encode(event), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(this);
    stop();
  }
}
