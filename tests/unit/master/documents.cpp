// The master's document answers (master/documents.hpp): the register and
// transmittals from the tree index as the caller sees it, their 304s, and
// ZIPs of a folder and of a selection, grants applied throughout.
#include "master_fixture.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace zddc::master::testing {
namespace documents_test {

constexpr std::string_view json = "application/json";
constexpr std::string_view trn = "2025-10-31_100-EL-TRN-1 (IFC) - Package";

class master_documents : public master_fixture {
protected:
  master_documents()
  {
    write("Docs/100-EL-SPC-1_A (IFA) - Spec.pdf", "spec A");
    write("Docs/" + std::string(trn) + "/100-EL-SPC-1_B (IFC) - Spec.pdf", "spec B");
    write("Docs/" + std::string(trn) + "/cover.txt", "cover");
    write("Vendors/vendorA/200-ME-LST-2_0 (IFC) - List.pdf", "list 0");
    write("Vendors/vendorB/300-ME-LST-3_0 (IFC) - Secret.pdf", "secret");
  }

  core::principal vendor_{"vendorA", {core::grant{path("Vendors/vendorA"), core::access::read}}};
};

TEST_F(master_documents, the_register_answers_from_the_tree_and_304s_on_its_tag)
{
  auto r = send(http::verb::get, "/Docs/?register", {{http::field::accept, std::string(json)}});
  ASSERT_EQ(r.status, http::status::ok);
  auto const v = boost::json::parse(body_of(r));
  auto const& doc = v.at("documents").at(0);
  EXPECT_EQ(doc.at("current").at("rev").as_string(), "B");
  EXPECT_EQ(doc.at("current").at("files").at(0).at("transmittal").as_string(), "/Docs/" + std::string(trn));
  EXPECT_EQ(v.at("unclassified").at(0).at("path").as_string(), "/Docs/" + std::string(trn) + "/cover.txt");
  auto const tag = header(r, http::field::etag);

  auto again = send(http::verb::get, "/Docs/?register",
                    {{http::field::accept, std::string(json)}, {http::field::if_none_match, tag}});
  EXPECT_EQ(again.status, http::status::not_modified);
  for(auto const f : {http::field::cache_control, http::field::vary}) // as the 200's (RFC 9110 §15.4.5)
    EXPECT_EQ(header(again, f), header(r, f)) << f;
  // Another representation has its own tag.
  auto csv = send(http::verb::get, "/Docs/?register&format=csv", {{http::field::if_none_match, tag}});
  EXPECT_EQ(csv.status, http::status::ok);
  // A write through the server moves it; a write elsewhere does not.
  ASSERT_EQ(send(http::verb::put, "/Other/x.pdf", {}, "x").status, http::status::created);
  EXPECT_EQ(send(http::verb::get, "/Docs/?register", {{http::field::accept, std::string(json)}, {http::field::if_none_match, tag}})
              .status,
            http::status::not_modified);
  ASSERT_EQ(send(http::verb::put, "/Docs/100-EL-SPC-1_C%20(IFC)%20-%20Spec.pdf", {}, "spec C").status,
            http::status::created);
  auto moved = send(http::verb::get, "/Docs/?register",
                    {{http::field::accept, std::string(json)}, {http::field::if_none_match, tag}});
  EXPECT_EQ(moved.status, http::status::ok);
  EXPECT_NE(body_of(moved).find("\"current\":{\"rev\":\"C\""), std::string::npos);
}

TEST_F(master_documents, a_vendor_sees_only_its_grant_and_hidden_folders_are_not_found)
{
  auto r = send_as(vendor_, http::verb::get, "/?register", {{http::field::accept, std::string(json)}});
  ASSERT_EQ(r.status, http::status::ok);
  auto const body = body_of(r);
  EXPECT_NE(body.find("200-ME-LST-2"), std::string::npos);
  EXPECT_EQ(body.find("Secret"), std::string::npos);
  EXPECT_EQ(body.find("Spec"), std::string::npos);
  EXPECT_EQ(send_as(vendor_, http::verb::get, "/Vendors/vendorB/?register").status, http::status::not_found);
  EXPECT_EQ(send_as(vendor_, http::verb::get, "/Docs/?zip").status, http::status::not_found);
  auto z = send_as(vendor_, http::verb::get, "/?zip");
  ASSERT_EQ(z.status, http::status::ok);
  auto const zip = body_of(z);
  EXPECT_NE(zip.find("list 0"), std::string::npos);
  EXPECT_EQ(zip.find("secret"), std::string::npos);
  // What the vendor's register shows it, and another's, differ in tag.
  auto admin = send(http::verb::get, "/?register", {{http::field::accept, std::string(json)}});
  EXPECT_NE(header(admin, http::field::etag), header(r, http::field::etag));
}

TEST_F(master_documents, transmittals_and_the_folder_zip)
{
  auto t = send(http::verb::get, "/?transmittals", {{http::field::accept, std::string(json)}});
  ASSERT_EQ(t.status, http::status::ok);
  auto const v = boost::json::parse(body_of(t));
  auto const& only = v.at("days").at(0).at("transmittals").at(0);
  EXPECT_EQ(only.at("tracking").as_string(), "100-EL-TRN-1");
  EXPECT_EQ(only.at("documents").as_int64(), 1);
  EXPECT_EQ(only.at("files").as_int64(), 2);

  auto z = send(http::verb::get, "/Docs/" + std::string(core::encode(path(trn)).str()).substr(1) + "/?zip");
  ASSERT_EQ(z.status, http::status::ok);
  EXPECT_NE(header(z, http::field::content_disposition).find("2025-10-31_100-EL-TRN-1"), std::string::npos);
  auto const zip = body_of(z);
  EXPECT_NE(zip.find(std::string(trn) + "/cover.txt"), std::string::npos); // named from the folder down
  EXPECT_NE(zip.find("spec B"), std::string::npos);
  EXPECT_EQ(zip.find("spec A"), std::string::npos);
  auto head = send(http::verb::head, "/Docs/?zip");
  EXPECT_EQ(head.status, http::status::ok);
  EXPECT_EQ(body_of(head), "");
  EXPECT_EQ(send(http::verb::get, "/Docs/?transmittals&format=csv").status, http::status::bad_request);
}

TEST_F(master_documents, a_selection_zip_takes_files_and_folders_and_refuses_what_it_cannot_show)
{
  auto z = send(http::verb::post, "/.zddc/zip", {},
                R"(["/Docs/100-EL-SPC-1_A (IFA) - Spec.pdf", "/Vendors/vendorA/"])");
  ASSERT_EQ(z.status, http::status::ok);
  auto const zip = body_of(z);
  EXPECT_NE(zip.find("Docs/100-EL-SPC-1_A (IFA) - Spec.pdf"), std::string::npos);
  EXPECT_NE(zip.find("list 0"), std::string::npos);
  EXPECT_EQ(zip.find("secret"), std::string::npos);

  EXPECT_EQ(send(http::verb::post, "/.zddc/zip", {}, R"(["/nothing.pdf"])").status, http::status::not_found);
  EXPECT_EQ(send(http::verb::post, "/.zddc/zip", {}, R"(["relative.pdf"])").status, http::status::bad_request);
  EXPECT_EQ(send(http::verb::post, "/.zddc/zip", {}, R"(["/a/../b"])").status, http::status::bad_request);
  EXPECT_EQ(send(http::verb::post, "/.zddc/zip").status, http::status::bad_request); // no body
  std::optional<std::string> huge(std::in_place, zip_selection_bytes_max + 1, ' ');
  EXPECT_EQ(send(http::verb::post, "/.zddc/zip", {}, huge).status, http::status::payload_too_large);
  auto hidden = send(http::verb::post, "/.zddc/zip", {}, R"(["/Vendors/vendorB/"])", true, &vendor_);
  EXPECT_EQ(hidden.status, http::status::not_found);
  EXPECT_EQ(send(http::verb::post, "/.zddc/zip", {}, R"([])", true, nullptr).status, http::status::unauthorized);
}

} // namespace
} // namespace zddc::master::testing
