#pragma once
// A streaming JSON writer: text straight into a string, in exactly the layout json_text() gives a
// document (nlohmann's dump: one line, or an indent of N spaces), without building the document.
// The examine report is written with it: a member's report holds a few thousand values, and a
// document of them costs tens of allocations each (it was nine tenths of a fuzzed examine).

#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llb {

struct JsonDomBuilder;  // json_writer.cc: the document mode (json_dom.h takes its document)

class JsonWriter {
 public:
  explicit JsonWriter(int indent = -1);
  // Document mode: the same calls build a JSON document instead of its text, for front ends that
  // take the values apart (the Python module): no text is written, none parsed back.
  struct Document {};
  explicit JsonWriter(Document);
  ~JsonWriter();
  JsonWriter(JsonWriter&&) noexcept;
  JsonWriter& operator=(JsonWriter&&) noexcept;

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value(double d);  // as nlohmann prints a double
  JsonWriter& null();
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  JsonWriter& value(T v) {
    if constexpr (std::is_signed_v<T>) {
      return number(static_cast<std::int64_t>(v), v < 0);
    } else {
      return number(static_cast<std::uint64_t>(v), false);
    }
  }
  // key(k) then value(v).
  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }
  JsonDomBuilder* document() { return dom_.get(); }  // document mode only, else null

 private:
  JsonWriter& number(std::uint64_t magnitude_or_bits, bool negative);
  JsonWriter& close(char bracket);
  void before_value();
  void newline();
  void quoted(std::string_view s);

  struct Level {
    bool array = false;
    bool empty = true;
  };
  std::string out_;
  int indent_;
  std::vector<Level> stack_;
  bool after_key_ = false;
  std::unique_ptr<JsonDomBuilder> dom_;
};

}  // namespace llb
