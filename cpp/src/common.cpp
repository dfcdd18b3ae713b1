#include "imcnas/common.hpp"

namespace imcnas {

const char* core_version() { return "0.1.0"; }

}  // namespace imcnas
