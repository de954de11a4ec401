#include "sim/node_filesystem.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/pchars.hpp>

namespace zddc::sim {

result<core::store_path>
url_encoded_key(const core::store_path& p)
{
  std::string joined;
  std::string_view rest = p.str();
  while(! rest.empty()) {
    auto const slash = rest.find('/');
    if(! joined.empty())
      joined += '/';
    auto const segment = rest.substr(0, slash);
    auto const pct = boost::urls::make_pct_string_view(segment);
    if(pct && pct->decoded_size() != segment.size() && boost::urls::encode(pct->decode(), boost::urls::pchars) == segment)
      joined += segment; // already encoded: a name as `list()` gave it
    else
      joined += boost::urls::encode(segment, boost::urls::pchars);
    if(slash == std::string_view::npos)
      break;
    rest.remove_prefix(slash + 1);
  }
  return core::store_path::parse(joined);
}

} // namespace zddc::sim
