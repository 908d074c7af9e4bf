// Everything a version of the site checker uses from common/.
#pragma once

#include "sitecheck/command_line.hpp"
#include "sitecheck/errors.hpp"
#include "sitecheck/report.hpp"
#include "sitecheck/run.hpp"
#include "sitecheck/session.hpp"
