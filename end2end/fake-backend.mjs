// A stand-in for an Official Account's own backend (a bot), which qunfa
// forwards callbacks to in the browser tests (QUNFA_CALLBACK_FORWARD_URL).
// It answers each callback as `/control` last said: `success` by default,
// a passive reply, or an HTTP error; `/control/received` lists what came.
import http from "node:http";

const forwardUrl = new URL(process.env.QUNFA_CALLBACK_FORWARD_URL ?? "http://127.0.0.1:3190/wechat");
let answer = { status: 200, contentType: "text/plain", body: "success" };
const received = [];

http
  .createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url, forwardUrl);
      const body = Buffer.concat(chunks);
      if (url.pathname === "/healthz") {
        response.end("ok");
      } else if (url.pathname === "/control" && request.method === "POST") {
        answer = JSON.parse(body.toString("utf8"));
        response.end("ok");
      } else if (url.pathname === "/control/received") {
        response.setHeader("content-type", "application/json");
        response.end(JSON.stringify(received));
      } else {
        received.push({
          query: url.search.slice(1),
          contentType: request.headers["content-type"] ?? null,
          body: body.toString("utf8"),
        });
        if (received.length > 1000) received.shift();
        response.statusCode = answer.status;
        response.setHeader("content-type", answer.contentType);
        response.end(answer.body);
      }
    });
  })
  .listen(Number(forwardUrl.port), forwardUrl.hostname);
