#include "runtime/response_head.hpp"

#include <zddc/core/http_date.hpp>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>

#include <charconv>

namespace zddc::runtime {

namespace http = boost::beast::http;

namespace {

bool
is_edge_field(const http::fields::value_type& f)
{
  switch(f.name()) {
  case http::field::server:
  case http::field::date:
  case http::field::strict_transport_security:
  case http::field::x_frame_options:
    return true;
  case http::field::unknown: // Beast 1.81 has no enum for this one
    return boost::beast::iequals(f.name_string(), "X-Content-Type-Options");
  default:
    return false;
  }
}

} // namespace

std::string_view
date_field::at(core::time_point now)
{
  auto const second = std::chrono::floor<std::chrono::seconds>(now);
  if(second != second_) {
    text_ = core::format_http_date(now);
    second_ = second;
  }
  return text_;
}

void
format_response_head(std::string& out, http::status status, const http::fields& fields, body_framing framing,
                     edge_fields edge)
{
  out.clear();
  out += edge.version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ";
  char number[24];
  auto const code = std::to_chars(number, number + sizeof number, static_cast<unsigned>(status)).ptr;
  out.append(number, code);
  out += ' ';
  out += http::obsolete_reason(status);
  out += "\r\n";
  bool const framed = framing.how != body_framing::kind::as_given;
  for(auto const& f : fields) {
    if(framed && (f.name() == http::field::content_length || f.name() == http::field::transfer_encoding))
      continue;
    if(f.name() == http::field::connection)
      continue; // the edge says whether the connection persists
    if(is_edge_field(f))
      continue; // the edge's own, said once below
    out += f.name_string();
    out += ": ";
    out += f.value();
    out += "\r\n";
  }
  out += "Server: zddc\r\n";
  if(! edge.date.empty()) {
    out += "Date: ";
    out += edge.date;
    out += "\r\n";
  }
  out += "X-Content-Type-Options: nosniff\r\n" // no body of ours is to be sniffed into another type
         "X-Frame-Options: DENY\r\n";          // no page of ours is meant to be framed
  if(edge.tls)
    out += "Strict-Transport-Security: max-age=31536000\r\n";
  if(framing.how == body_framing::kind::content_length) {
    out += "Content-Length: ";
    auto const end = std::to_chars(number, number + sizeof number, framing.length).ptr;
    out.append(number, end);
    out += "\r\n";
  } else if(framing.how == body_framing::kind::chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  }
  if(edge.version >= 11 && ! edge.keep_alive)
    out += "Connection: close\r\n";
  else if(edge.version < 11 && edge.keep_alive)
    out += "Connection: keep-alive\r\n";
  out += "\r\n";
}

} // namespace zddc::runtime
