// A user's translation unit that includes the client and calls nothing.
#include <bedrock/client.hpp>

int main() {}
