package io.datapunk.nexus.validation;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import java.util.List;

/**
 * Vert.x's HTTP/1 request decoder with two ambiguities turned into decoding failures (which then
 * reach {@link Http1Guard} as a 400) instead of being repaired silently:
 *
 * <ul>
 *   <li>Content-Length together with Transfer-Encoding: chunked. Netty drops the Content-Length and
 *       reads chunks; a front proxy that believed the Content-Length would see a different request
 *       boundary (request smuggling).
 *   <li>obs-fold (a header line continued on the next line starting with a space or tab). Netty joins
 *       the lines; RFC 9112 section 5.2 lets a server reject it, and other parsers disagree on it.
 * </ul>
 *
 * A body chunk the decoder cannot read (an invalid chunk size) is turned into the end of the body, with
 * the channel marked ({@link #BODY_FRAMING_FAILED}) so that {@link LimitedBody} ends the body with a
 * 400 instead: Vert.x would otherwise close the connection at once, without an answer. The decoder
 * discards everything after such a chunk.
 *
 * <p>obs-fold is found by watching the bytes the decoder consumes while it reads a request head: the
 * decoder consumes head lines whole and returns right after a head, so those bytes are exactly the
 * request line and header lines.
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {
  static final String OBS_FOLD = "obs-fold in a header field";
  static final String CL_WITH_TE = "Content-Length with Transfer-Encoding";

  /** Set on the channel when a body chunk of the current request could not be decoded. */
  static final AttributeKey<Boolean> BODY_FRAMING_FAILED = AttributeKey.valueOf("nexus.bodyFramingFailed");

  private boolean inHead = true;
  private boolean atLineStart;
  private boolean folded;

  StrictRequestDecoder(HttpServerOptions options) {
    super(options);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
    int start = buffer.readerIndex();
    int produced = out.size();
    super.decode(ctx, buffer, out);
    int end = buffer.readerIndex();
    if (inHead && end > start) {
      scanHead(buffer, start, end);
    }
    for (int i = produced; i < out.size(); i++) {
      Object o = out.get(i);
      if (o instanceof HttpRequest request) {
        if (folded && request.decoderResult().isSuccess()) {
          request.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(OBS_FOLD)));
        }
        inHead = false;
        folded = false;
        atLineStart = false;
      }
      if (o instanceof HttpContent content && !(o instanceof HttpMessage) && content.decoderResult().isFailure()) {
        content.release();
        ctx.channel().attr(BODY_FRAMING_FAILED).set(Boolean.TRUE);
        out.set(i, LastHttpContent.EMPTY_LAST_CONTENT);
        o = LastHttpContent.EMPTY_LAST_CONTENT;
      }
      if (o instanceof LastHttpContent) {
        inHead = true;
        atLineStart = false;
      }
    }
  }

  private void scanHead(ByteBuf buffer, int from, int to) {
    if (atLineStart && isBlank(buffer.getByte(from))) {
      folded = true;
    }
    int i = from;
    int lf;
    // ByteBuf.indexOf scans several bytes per step; only the byte after each LF matters.
    while ((lf = buffer.indexOf(i, to, (byte) '\n')) >= 0) {
      if (lf + 1 < to && isBlank(buffer.getByte(lf + 1))) {
        folded = true;
      }
      i = lf + 1;
    }
    atLineStart = buffer.getByte(to - 1) == '\n';
  }

  private static boolean isBlank(byte b) {
    return b == ' ' || b == '\t';
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    message.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(CL_WITH_TE)));
  }
}
