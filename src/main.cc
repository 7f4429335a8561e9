// jwtgate: a JWT-checking reverse proxy. Wiring only; see src/app/.
#include "jwtgate/app/cli.h"

int main(int argc, char** argv) { return jwtgate::app::Main(argc, argv); }
